using System.CommandLine.Parsing;
using CredBroker.Core.Policy;

namespace CredBroker.Cli.Commands;

/// <summary>Custom option parsers; a value they refuse is a parse error, so exit code 2 before anything is sent.</summary>
public static class Parse
{
    public static TimeSpan? Duration(ArgumentResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
        if (DurationText.TryParse(text, out var value) && value > TimeSpan.Zero)
        {
            return value;
        }

        var name = (result.Parent as OptionResult)?.Option.Name ?? result.Argument.Name;
        result.AddError($"{name}: '{text}' is not a duration such as 30s, 5m or 1h");
        return null;
    }
}
