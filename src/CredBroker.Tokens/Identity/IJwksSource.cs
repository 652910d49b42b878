namespace CredBroker.Core.Identity;

/// <summary>Where an issuer's key set comes from.</summary>
internal interface IJwksSource
{
    /// <summary>The file or URL, for logs and error messages.</summary>
    string Location { get; }

    /// <summary>The raw document, at most <see cref="JwksDocument.MaxBytes"/> long.</summary>
    Task<byte[]> FetchAsync(CancellationToken cancellationToken);
}
