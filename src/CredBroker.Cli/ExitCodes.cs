namespace CredBroker.Cli;

/// <summary>What a script can branch on without reading the text.</summary>
public static class ExitCodes
{
    public const int Success = 0;

    /// <summary>The broker refused (policy, bad input, revoked task, not found), or the token is inactive.</summary>
    public const int Refused = 1;

    /// <summary>The command line itself is wrong: nothing was sent to the broker.</summary>
    public const int Usage = 2;

    /// <summary>No answer: the broker is unreachable, UNAVAILABLE (its store is down), or the deadline passed. Retrying may help.</summary>
    public const int Unavailable = 3;

    /// <summary>Interrupted (Ctrl+C), as shells report SIGINT.</summary>
    public const int Interrupted = 130;
}
