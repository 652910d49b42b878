namespace CredBroker.Cli.Output;

/// <summary>
/// The field a revocation reply gains when the broker's store could not promise it survives a crash.
/// Printed only then, so an operator reading a normal reply sees nothing new and one in an incident
/// sees at once that the revocation is in force but not yet durable.
/// </summary>
internal static class Durability
{
    public static IEnumerable<(string, object?)> Field(string? notConfirmed) =>
        string.IsNullOrEmpty(notConfirmed) ? [] : [("durability_not_confirmed", notConfirmed)];
}
