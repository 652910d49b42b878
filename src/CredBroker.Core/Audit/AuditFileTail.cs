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

        // The line ends before the final newline; find the newline before it, one block at a time.
        var end = length - 1;
        var start = FindLineStart(stream, end);
        var line = new byte[checked((int)(end - start))];
        stream.Seek(start, SeekOrigin.Begin);
        stream.ReadExactly(line);
        return Encoding.UTF8.GetString(line);
    }

    /// <summary>The offset just after the last newline before <paramref name="end"/>, or 0.</summary>
    private static long FindLineStart(FileStream stream, long end)
    {
        var buffer = new byte[BlockSize];
        var position = end;
        while (position > 0)
        {
            var count = (int)Math.Min(BlockSize, position);
            position -= count;
            stream.Seek(position, SeekOrigin.Begin);
            stream.ReadExactly(buffer, 0, count);
            var newline = buffer.AsSpan(0, count).LastIndexOf((byte)'\n');
            if (newline >= 0)
            {
                return position + newline + 1;
            }
        }

        return 0;
    }
}
