using CredBroker.Core;
using CredBroker.Server.Configuration;
using CredBroker.Server.Errors;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace CredBroker.Server.Auth;

/// <summary>
/// Counts the long-lived calls each identity holds on this replica (revocation streams, parked
/// approvals) and refuses one past its cap with RESOURCE_EXHAUSTED, so one identity cannot tie up
/// the threads, memory and store polls every other caller needs.
/// </summary>
public sealed class CallSlots(IOptions<ConnectionLimitOptions> options)
{
    private readonly Dictionary<(string Method, string Identity), int> held = [];
    private readonly Lock gate = new();

    /// <summary>A slot for a <c>WatchRevocations</c> stream, released when disposed.</summary>
    /// <exception cref="RpcException">RESOURCE_EXHAUSTED when the identity holds its cap already.</exception>
    public IDisposable WatchStream(string identity) =>
        Take("WatchRevocations", identity, options.Value.MaxWatchStreamsPerIdentity, nameof(ConnectionLimitOptions.MaxWatchStreamsPerIdentity), "streams open");

    /// <summary>A slot for a parked <c>AwaitApproval</c> call, released when disposed.</summary>
    /// <exception cref="RpcException">RESOURCE_EXHAUSTED when the identity holds its cap already.</exception>
    public IDisposable AwaitingApproval(string identity) =>
        Take("AwaitApproval", identity, options.Value.MaxAwaitingApprovalsPerIdentity, nameof(ConnectionLimitOptions.MaxAwaitingApprovalsPerIdentity), "calls waiting");

    /// <summary>How many slots of <paramref name="method"/> the identity holds now; for tests and metrics.</summary>
    public int Held(string method, string identity)
    {
        lock (gate)
        {
            return held.GetValueOrDefault((method, identity));
        }
    }

    private Slot Take(string method, string identity, int cap, string setting, string what)
    {
        var key = (method, identity);
        lock (gate)
        {
            var count = held.GetValueOrDefault(key);
            if (count >= cap)
            {
                throw RpcErrors.From(new Refusal(RefusalKind.ResourceExhausted,
                    $"{identity} already has {count} {method} {what} on this broker, its limit ({ConnectionLimitOptions.Section}:{setting}); close one before opening another"));
            }

            held[key] = count + 1;
        }

        return new Slot(this, key);
    }

    private void Release((string Method, string Identity) key)
    {
        lock (gate)
        {
            // Removed at zero, so identities that come and go leave nothing behind.
            if (held.TryGetValue(key, out var count) && count > 1)
            {
                held[key] = count - 1;
            }
            else
            {
                held.Remove(key);
            }
        }
    }

    private sealed class Slot(CallSlots owner, (string Method, string Identity) key) : IDisposable
    {
        private int released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref released, 1) == 0)
            {
                owner.Release(key);
            }
        }
    }
}
