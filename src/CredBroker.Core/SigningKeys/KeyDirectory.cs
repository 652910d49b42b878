using System.Security.Cryptography;

namespace CredBroker.Core.SigningKeys;

/// <summary>
/// Private keys as PKCS#8 PEM files in one directory (mode 0700, files 0600), so a restart or
/// another replica sharing the directory signs with the same keys and old tokens stay valid.
/// </summary>
public sealed class KeyDirectory(string path)
{
    private const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode KeyFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public string Path { get; } = System.IO.Path.GetFullPath(path);

    /// <summary>Reads the key stored under <paramref name="name"/>, creating it first if there is none. Safe when several processes race.</summary>
    public ECDsa LoadOrCreate(string name, out DateTimeOffset createdAt)
    {
        EnsureDirectory();
        var file = System.IO.Path.Combine(Path, name + ".pem");
        if (!File.Exists(file))
        {
            using var fresh = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            TryWriteNew(file, fresh.ExportPkcs8PrivateKeyPem());
        }

        createdAt = File.GetLastWriteTimeUtc(file);
        return Read(file);
    }

    /// <summary>Every key file in the directory whose name starts with <paramref name="prefix"/>, oldest first.</summary>
    public IReadOnlyList<(string Name, ECDsa Key, DateTimeOffset CreatedAt)> LoadAll(string prefix)
    {
        EnsureDirectory();
        return Directory.GetFiles(Path, prefix + "*.pem")
            .Select(f => (Name: System.IO.Path.GetFileNameWithoutExtension(f), Key: Read(f), CreatedAt: (DateTimeOffset)File.GetLastWriteTimeUtc(f)))
            .OrderBy(k => k.CreatedAt)
            .ThenBy(k => k.Name, StringComparer.Ordinal)
            .ToList();
    }

    public void Write(string name, ECDsa key)
    {
        ArgumentNullException.ThrowIfNull(key);
        EnsureDirectory();
        var file = System.IO.Path.Combine(Path, name + ".pem");
        if (!TryWriteNew(file, key.ExportPkcs8PrivateKeyPem()))
        {
            throw new IOException($"{file} already exists");
        }
    }

    private static ECDsa Read(string file)
    {
        var key = ECDsa.Create();
        key.ImportFromPem(File.ReadAllText(file));
        return key;
    }

    /// <summary>Writes to a temporary file and links it into place, so no reader ever sees half a key and two writers cannot both win.</summary>
    private static bool TryWriteNew(string file, string pem)
    {
        var temp = file + "." + Guid.NewGuid().ToString("N") + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            // Private keys are readable by the broker's user only.
            options.UnixCreateMode = KeyFileMode;
        }

        using (var stream = new FileStream(temp, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(pem);
        }

        try
        {
            File.Move(temp, file, overwrite: false);
            return true;
        }
        catch (IOException) when (File.Exists(file))
        {
            File.Delete(temp);
            return false;
        }
    }

    private void EnsureDirectory()
    {
        if (Directory.Exists(Path))
        {
            return;
        }

        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(Path);
        }
        else
        {
            Directory.CreateDirectory(Path, DirectoryMode);
        }
    }
}
