using CredBroker.Core.Telemetry;
using System.Threading.Channels;
using CredBroker.Core.Storage;
using Microsoft.Extensions.Logging;

namespace CredBroker.Core.Revocation;

/// <summary>
/// Follows the revocation log for this replica and fans each new rule out to every watcher, so a
/// revocation made on any replica reaches verifiers connected to any other. Woken at once when a
/// rule is appended, and reads at least every <see cref="PollInterval"/>. After each successful
/// read it sends a heartbeat; while the log cannot be read it sends none, so verifiers can tell
/// their view is stale and fail closed.
/// </summary>
public sealed partial class RevocationFeed(IRevocationLog log, TimeProvider time, ILogger<RevocationFeed> logger) : IDisposable
{
    private readonly OutageLog outage = new("revocation log", logger, time);
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    /// <summary>A watcher this far behind is cut off; it reconnects with its cursor and replays.</summary>
    private const int WatcherBuffer = 10_000;
    private const int PageSize = 500;

    private readonly Lock gate = new();
    private readonly List<Channel<FeedItem>> watchers = [];
    private readonly SemaphoreSlim wake = new(0);
    private readonly TaskCompletionSource positioned = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private string cursor = Cursors.Start;

    /// <summary>
    /// Starts buffering everything the feed reads from now on. Waits until the feed has found the
    /// end of the log: a rule appended before that would be neither in the caller's replay (read
    /// earlier) nor published by the feed (which starts after it).
    /// </summary>
    public async Task<ChannelReader<FeedItem>> SubscribeAsync(CancellationToken cancellationToken)
    {
        await positioned.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        var channel = Channel.CreateBounded<FeedItem>(new BoundedChannelOptions(WatcherBuffer) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        lock (gate)
        {
            watchers.Add(channel);
        }

        cancellationToken.Register(() =>
        {
            lock (gate)
            {
                watchers.Remove(channel);
            }

            channel.Writer.TryComplete();
        });
        return channel.Reader;
    }

    /// <summary>Reads the log until stopped. Run once per broker process.</summary>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        log.OnAppended(() => wake.Release());
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ReadNewAsync(stoppingToken).ConfigureAwait(false);
                outage.Succeeded();
            }
            catch (BrokerStoreUnavailableException e)
            {
                // Polled every second while down: one warning and a summary, not a line per poll.
                outage.Failed(e);
                CoreLog.RevocationFeedUnreadable(logger, e);
            }

            try
            {
                await wake.WaitAsync(PollInterval, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    public void Dispose() => wake.Dispose();

    /// <summary>Pushes a rule held in memory only to every watcher now, without waiting for the store.</summary>
    public void PublishPending(RevocationRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        Publish(new FeedItem.Pending(rule));
    }

    private async Task ReadNewAsync(CancellationToken cancellationToken)
    {
        if (!positioned.Task.IsCompleted)
        {
            // Watchers replay history themselves; the feed only carries what is new after it started.
            cursor = await SkipToEndAsync(cancellationToken).ConfigureAwait(false);
            positioned.TrySetResult();
        }

        while (true)
        {
            var page = await log.ReadAfterAsync(cursor, PageSize, cancellationToken).ConfigureAwait(false);
            foreach (var entry in page.Entries)
            {
                Publish(new FeedItem.Rule(entry));
                cursor = entry.Cursor;
            }

            if (page.Entries.Count < PageSize)
            {
                break;
            }
        }

        Publish(new FeedItem.Heartbeat(cursor, time.GetUtcNow()));
    }

    private async Task<string> SkipToEndAsync(CancellationToken cancellationToken)
    {
        var last = Cursors.Start;
        while (true)
        {
            var page = await log.ReadAfterAsync(last, PageSize, cancellationToken).ConfigureAwait(false);
            if (page.Entries.Count == 0)
            {
                return last;
            }

            last = page.LastCursor;
        }
    }

    private void Publish(FeedItem item)
    {
        lock (gate)
        {
            foreach (var watcher in watchers.ToList())
            {
                if (!watcher.Writer.TryWrite(item))
                {
                    // Too far behind to catch up from memory: end its stream; it resumes by cursor.
                    watcher.Writer.TryComplete(new WatcherTooSlowException());
                    watchers.Remove(watcher);
                    CoreLog.RevocationFeedWatcherDropped(logger);
                }
            }
        }
    }
}
