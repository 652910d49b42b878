namespace CredBroker.Client.Identity;

/// <summary>
/// An identity token kept in a file by something else (the SPIFFE helper, a Kubernetes projected
/// volume) that rotates it in place. The file is checked on every call and re-read when its size or
/// write time changed, so a rotated token is used at once without reading the file for every call.
/// </summary>
internal sealed class FileIdentityToken(string path)
{
    private Snapshot? last;

    public string Path { get; } = path;

    public async ValueTask<string> GetAsync(CancellationToken cancellationToken)
    {
        var file = new FileInfo(Path);
        if (!file.Exists)
        {
            throw new FileNotFoundException($"identity token file {Path} does not exist", Path);
        }

        var seen = last;
        if (seen is not null && seen.WriteTime == file.LastWriteTimeUtc && seen.Length == file.Length)
        {
            return seen.Token;
        }

        var token = (await File.ReadAllTextAsync(Path, cancellationToken).ConfigureAwait(false)).Trim();
        if (token.Length == 0)
        {
            throw new InvalidDataException($"identity token file {Path} is empty");
        }

        // One reference swap, so concurrent callers see either the old snapshot or the new one whole.
        last = new Snapshot(file.LastWriteTimeUtc, file.Length, token);
        return token;
    }

    private sealed record Snapshot(DateTime WriteTime, long Length, string Token);
}
