namespace CredBroker.Core.Audit;

/// <summary>
/// Group commit for a sink whose events form one chain: the chain takes one batch at a time, and
/// events that arrive while a batch is being written all go in the next one. Under load a batch
/// carries many events for one write and one flush to disk, and no caller returns before its own
/// event is written (invariant 6). The batch writer is only ever called by one drain loop at a time.
/// </summary>
/// <param name="writeBatch">Seals the events in order after the chain's head, writes them all, and returns them sealed, in the same order.</param>
public sealed class AuditBatcher(Func<IReadOnlyList<AuditEvent>, Task<AuditEvent[]>> writeBatch)
{
    /// <summary>Events one batch carries at most.</summary>
    public const int MaxBatch = 256;

    private readonly Lock gate = new();

    /// <summary>Events waiting for the next batch; guarded by <see cref="gate"/>.</summary>
    private List<Pending> waiting = [];

    /// <summary>Whether a drain loop is running; guarded by <see cref="gate"/>.</summary>
    private bool draining;

    public async ValueTask<AuditEvent> AppendAsync(AuditEvent unsealed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(unsealed);
        var pending = new Pending(unsealed, new TaskCompletionSource<AuditEvent>(TaskCreationOptions.RunContinuationsAsynchronously));
        bool start;
        lock (gate)
        {
            waiting.Add(pending);
            start = !draining;
            draining = true;
        }

        if (start)
        {
            _ = Task.Run(DrainAsync, CancellationToken.None);
        }

        // A caller that gives up does not take its event back: it may already be on its way.
        return await pending.Sealed.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task DrainAsync()
    {
        while (true)
        {
            List<Pending> batch;
            lock (gate)
            {
                if (waiting.Count == 0)
                {
                    draining = false;
                    return;
                }

                if (waiting.Count <= MaxBatch)
                {
                    batch = waiting;
                    waiting = [];
                }
                else
                {
                    batch = waiting[..MaxBatch];
                    waiting.RemoveRange(0, MaxBatch);
                }
            }

            try
            {
                var sealedEvents = await writeBatch(batch.ConvertAll(p => p.Unsealed)).ConfigureAwait(false);
                for (var i = 0; i < batch.Count; i++)
                {
                    batch[i].Sealed.TrySetResult(sealedEvents[i]);
                }
            }
            catch (Exception e)
            {
                // Every caller of the batch gets the writer's own exception, as if it had written alone.
                foreach (var pending in batch)
                {
                    pending.Sealed.TrySetException(e);
                }
            }
        }
    }

    private sealed record Pending(AuditEvent Unsealed, TaskCompletionSource<AuditEvent> Sealed);
}
