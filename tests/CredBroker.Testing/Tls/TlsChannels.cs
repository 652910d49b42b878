using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Grpc.Net.Client;

namespace CredBroker.Testing.Tls;

/// <summary>gRPC channels over TLS that trust only the test CA and present the given client certificate.</summary>
public static class TlsChannels
{
    public static GrpcChannel Create(Uri address, X509Certificate2 serverCa, X509Certificate2? clientCertificate) =>
        GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = Handler(serverCa, clientCertificate), DisposeHttpClient = true });

    public static SocketsHttpHandler Handler(X509Certificate2 serverCa, X509Certificate2? clientCertificate)
    {
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
        {
            if (certificate is not X509Certificate2 leaf || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != 0)
            {
                return false;
            }

            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(serverCa);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return chain.Build(leaf);
        };
        if (clientCertificate is not null)
        {
            // Offer the certificate whatever CA names the server lists: the broker decides, not the client.
            handler.SslOptions.LocalCertificateSelectionCallback = (_, _, _, _, _) => clientCertificate;
        }

        return handler;
    }
}
