using System.Net;
using System.Net.Sockets;
using CredBroker.Redis;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;

namespace CredBroker.Server.Startup;

/// <summary>
/// What would stop the start, checked before any hosted service runs: those create the signing key and the
/// dev identity key on first use, so a broker that cannot start would otherwise leave files in the key
/// directory (and its audit sinks would open their files) on its way down.
/// </summary>
internal static class StartupPreflight
{
    public static async Task CheckAsync(IServiceProvider services)
    {
        // The options' ValidateOnStart checks, which the host would run only after building its hosted services.
        services.GetService<IStartupValidator>()?.Validate();
        foreach (var address in services.GetRequiredService<BrokerListeners>().Addresses)
        {
            EnsureFree(address);
        }

        // An unsafe Redis stops the start (invariant 3); an unreachable one does not: the broker serves,
        // failing closed, until Redis is back and proven safe.
        if (services.GetService<RedisPersistenceGuard>() is { } guard)
        {
            await guard.VerifyAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Binds the address for a moment, the way Kestrel will, and reports it taken as Kestrel would.</summary>
    private static void EnsureFree(Uri address)
    {
        if (address.Port == 0)
        {
            return;
        }

        var ip = address.Host == "localhost" ? IPAddress.Loopback : IPAddress.Parse(address.Host.Trim('[', ']'));
        using var socket = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        // As Kestrel does on Unix: a port left in TIME_WAIT by a broker that just stopped is free.
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        try
        {
            socket.Bind(new IPEndPoint(ip, address.Port));
            socket.Listen();
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            throw new IOException($"Failed to bind to address {address.GetLeftPart(UriPartial.Authority)}: address already in use.", new AddressInUseException(e.Message, e));
        }
    }
}
