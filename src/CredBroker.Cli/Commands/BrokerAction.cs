using System.CommandLine;
using CredBroker.Client;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace CredBroker.Cli.Commands;

/// <summary>
/// Runs a command's body against the broker and turns every way it can end into an exit code and
/// one line on stderr: the one place where exceptions meet the shell.
/// </summary>
public static class BrokerAction
{
    public delegate Task<int> Body(ParseResult parse, CredBrokerClient client, TextWriter output, CancellationToken cancellationToken);

    public static void Set(Command command, Body body)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(body);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            CredBrokerClientOptions? options = null;
            try
            {
                options = GlobalOptions.ClientOptions(parse);
                using var client = CredBrokerClient.Create(options);
                return await body(parse, client, output, cancellationToken).ConfigureAwait(false);
            }
            catch (UsageException e)
            {
                await error.WriteLineAsync($"error: {e.Message}").ConfigureAwait(false);
                return ExitCodes.Usage;
            }
            catch (OptionsValidationException e)
            {
                // The client names its options; on the command line the same switch is a flag.
                var problems = e.Failures.Select(f => f.Replace("set AllowCleartext", "pass --allow-cleartext", StringComparison.Ordinal));
                await error.WriteLineAsync($"error: {string.Join("; ", problems)}").ConfigureAwait(false);
                return ExitCodes.Usage;
            }
            catch (CredBrokerException e) when (ConnectionFailure.Describe(e, options?.Address) is { } described)
            {
                // No conversation with a broker took place: "no answer", whatever status the client made of it.
                var unreachable = await ConnectionFailure.ConfirmAsync(described, options?.Address, cancellationToken).ConfigureAwait(false);
                await error.WriteLineAsync($"error: UNAVAILABLE: {unreachable}").ConfigureAwait(false);
                return ExitCodes.Unavailable;
            }
            catch (CredBrokerException e) when (e.IsUnavailable)
            {
                await error.WriteLineAsync($"error: {e.StatusName}: {e.Reason}").ConfigureAwait(false);
                return ExitCodes.Unavailable;
            }
            catch (CredBrokerException e)
            {
                var field = e.Field is { } f && !e.Reason.StartsWith(f, StringComparison.Ordinal) ? $" (field: {f})" : string.Empty;
                await error.WriteLineAsync($"error: {e.StatusName}: {e.Reason}{field}").ConfigureAwait(false);
                return ExitCodes.Refused;
            }
            catch (GrantPendingApprovalException e)
            {
                await error.WriteLineAsync($"pending: approval {e.ApprovalId} is needed: {e.Reason}").ConfigureAwait(false);
                return ExitCodes.Refused;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Only the identity token file is read from disk.
                await error.WriteLineAsync($"error: cannot read the identity token: {e.Message}").ConfigureAwait(false);
                return ExitCodes.Usage;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return ExitCodes.Interrupted;
            }
        });
    }
}
