using System.Text;
using Microsoft.Extensions.Options;

namespace CredBroker.Core.Audit;

/// <summary>
/// Appends each event as one canonical JSON line to a file a SIEM agent ships, with the file's own
/// hash chain, so <c>credbroker audit verify --file</c> checks an exported copy on its own. A restart
/// continues the chain from the file's last line, however long it is. Lines are flushed to disk before
/// they count; the events that arrive while a flush is under way are written together and flushed
/// once (an <see cref="AuditBatcher"/>). The file is created readable by the broker's user only.
/// </summary>
public sealed class JsonLinesAuditSink : IAuditSink, IDisposable
{
    private const UnixFileMode FileMode0600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly string path;
    private readonly AuditBatcher batcher;

    /// <summary>Serialises the batcher's drain loop and <see cref="ReadHeadAsync"/>: the file and the head are never touched by two at once.</summary>
    private readonly SemaphoreSlim gate = new(1, 1);
    private FileStream? file;
    private long lastSeq;
    private string lastHash = AuditCanonical.GenesisHash;

    public JsonLinesAuditSink(IOptions<AuditOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        path = options.Value.File ?? throw new ArgumentException("CredBroker:Audit:File is not set", nameof(options));
        batcher = new AuditBatcher(AppendBatchAsync);
    }

    public string Name => "file";

    public ValueTask<AuditEvent> AppendAsync(AuditEvent unsealed, CancellationToken cancellationToken) => batcher.AppendAsync(unsealed, cancellationToken);

    /// <summary>Opens the file if it is not open (reading its head), so an unreadable file shows before the first event.</summary>
    public async ValueTask<AuditHead> ReadHeadAsync(CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Open();
            return new AuditHead(lastSeq, lastHash);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            Close();
            throw new AuditSinkUnavailableException($"audit file {path}: {e.Message}", e);
        }
        finally
        {
            gate.Release();
        }
    }

    public void Dispose()
    {
        file?.Dispose();
        gate.Dispose();
    }

    private async Task<AuditEvent[]> AppendBatchAsync(IReadOnlyList<AuditEvent> batch)
    {
        await gate.WaitAsync().ConfigureAwait(false);
        try
        {
            var stream = Open();
            var sealedEvents = AuditChain.SealAll(batch, lastSeq, lastHash);
            var lines = Encoding.UTF8.GetBytes(string.Concat(sealedEvents.Select(e => AuditCanonical.ToJson(e) + "\n")));
            await stream.WriteAsync(lines).ConfigureAwait(false);
            stream.Flush(flushToDisk: true);
            (lastSeq, lastHash) = (sealedEvents[^1].Seq, sealedEvents[^1].Hash);
            return sealedEvents;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            // A half-written line must not be followed by more: reopen (and re-read the head) next time.
            Close();
            throw new AuditSinkUnavailableException($"audit file {path}: {e.Message}", e);
        }
        finally
        {
            gate.Release();
        }
    }

    private void Close()
    {
        file?.Dispose();
        file = null;
    }

    private FileStream Open()
    {
        if (file is not null)
        {
            return file;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.Read };
        if (!OperatingSystem.IsWindows())
        {
            // Audit events name workloads, tasks and purposes: readable by the broker's user only (applies when the file is created).
            options.UnixCreateMode = FileMode0600;
        }

        var stream = new FileStream(path, options);
        try
        {
            if (AuditFileTail.LastLine(stream) is { } last)
            {
                var head = AuditCanonical.Parse(last);
                (lastSeq, lastHash) = (head.Seq, head.Hash);
            }
            else
            {
                (lastSeq, lastHash) = (0, AuditCanonical.GenesisHash);
            }

            stream.Seek(0, SeekOrigin.End);
            return file = stream;
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }
}
