using System.Text;

namespace CredBroker.Core.Audit;

/// <summary>The last line of an audit file, read backwards in blocks so a large log costs no more than its tail.</summary>
public static class AuditFileTail
{
    /// <summary>How much is read per step; a line longer than this takes several.</summary>
    public const int BlockSize = 64 * 1024;

    /// <summary>
    /// The file's last complete line without its newline, or null when the file is empty. Whatever
    /// the line's length: a head the broker cannot find would stop the sink, and with it the record.
    /// Throws <see cref="FormatException"/> when the file does not end with a newline (a torn write).
    /// </summary>
    public static string? LastLine(FileStream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var length = stream.Length;
        if (length == 0)
        {
            return null;
        }

        var last = new byte[1];
        stream.Seek(length - 1, SeekOrigin.Begin);
        stream.ReadExactly(last);
        if (last[0] != (byte)'\n')
        {
            throw new FormatException("the last line is incomplete; repair the file before the broker appends to it");
        }

        // The line ends before the final newline (and any blank lines after it, as a reader that skips them sees it).
        var end = Find(stream, length, b => b != (byte)'\n');
        if (end == 0)
        {
            return null;
        }

        var start = Find(stream, end, b => b == (byte)'\n');
        var line = new byte[checked((int)(end - start))];
        stream.Seek(start, SeekOrigin.Begin);
        stream.ReadExactly(line);
        return Encoding.UTF8.GetString(line);
    }

    /// <summary>The offset just after the last byte before <paramref name="end"/> that <paramref name="match"/> accepts, or 0; read backwards one block at a time.</summary>
    private static long Find(FileStream stream, long end, Func<byte, bool> match)
    {
        var buffer = new byte[BlockSize];
        var position = end;
        while (position > 0)
        {
            var count = (int)Math.Min(BlockSize, position);
            position -= count;
            stream.Seek(position, SeekOrigin.Begin);
            stream.ReadExactly(buffer, 0, count);
            for (var i = count - 1; i >= 0; i--)
            {
                if (match(buffer[i]))
                {
                    return position + i + 1;
                }
            }
        }

        return 0;
    }
}
