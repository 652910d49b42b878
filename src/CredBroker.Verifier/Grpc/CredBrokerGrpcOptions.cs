namespace CredBroker.Verifier.Grpc;

/// <summary>Which tool each gRPC method of a tool server needs (section <c>CredBroker:Verifier:Grpc</c>).</summary>
public sealed class CredBrokerGrpcOptions
{
    /// <summary>Full method name (<c>/package.Service/Method</c>) to tool name. Default: empty, so every call is refused.</summary>
    public Dictionary<string, string> MethodTools { get; } = new(StringComparer.Ordinal);

    /// <summary>Methods served without a token, e.g. <c>/grpc.health.v1.Health/Check</c>. Default: none.</summary>
    public HashSet<string> AnonymousMethods { get; } = new(StringComparer.Ordinal);

    /// <summary>Requires <paramref name="tool"/> for <paramref name="method"/>.</summary>
    public CredBrokerGrpcOptions Map(string method, string tool)
    {
        MethodTools[method] = tool;
        return this;
    }
}
