using System.Text;
using Microsoft.Extensions.Options;

namespace CredBroker.Core.Audit;

/// <summary>
/// Appends each event as one canonical JSON line to a file a SIEM agent ships, with the file's own
/// hash chain, so <c>credbroker audit verify --file</c> checks an exported copy on its own. A restart
/// continues the chain from the file's last line. Lines are flushed to disk before they count; the
/// events that arrive while a flush is under way are written together and flushed once (an
/// <see cref="AuditBatcher"/>).
/// </summary>
public sealed class JsonLinesAuditSink : IAuditSink, IDisposable
{
    private readonly string path;
    private readonly AuditBatcher batcher;
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

    public void Dispose() => file?.Dispose();

    /// <summary>Called by the batcher's one drain loop, so the file and the head are never touched by two at once.</summary>
    private async Task<AuditEvent[]> AppendBatchAsync(IReadOnlyList<AuditEvent> batch)
    {
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
            file?.Dispose();
            file = null;
            throw new AuditSinkUnavailableException($"audit file {path}: {e.Message}", e);
        }
    }

    private FileStream Open()
    {
        if (file is not null)
        {
            return file;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        try
        {
            if (LastLine(stream) is { } last)
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

    /// <summary>The file's last complete line, read from the end so a large log costs no more than its tail.</summary>
    private static string? LastLine(FileStream stream)
    {
        var length = stream.Length;
        var window = (int)Math.Min(length, 1024 * 1024);
        if (window == 0)
        {
            return null;
        }

        var buffer = new byte[window];
        stream.Seek(length - window, SeekOrigin.Begin);
        stream.ReadExactly(buffer);
        var text = Encoding.UTF8.GetString(buffer).TrimEnd('\n');
        if (!buffer.AsSpan().EndsWith("\n"u8))
        {
            throw new FormatException("the last line is incomplete; repair the file before the broker appends to it");
        }

        var start = text.LastIndexOf('\n') + 1;
        return text[start..];
    }
}
