using System.Globalization;
using MultigresOrleans.Grains.Topology;
using MultigresOrleans.Grains.Topology.ClusterMetadata;

namespace MultigresOrleans.Grains.DataPlane;

/// <summary>
/// Where a pooler's manager service listens: <c>hostname:port_map["grpc"]</c> of its topology record
/// (dataplane-contracts §1.5, §3). <see cref="PoolerId"/> only names the pooler in messages.
/// </summary>
public sealed record MultipoolerTarget(string Host, int Port, string PoolerId)
{
    /// <summary>The <c>port_map</c> key of the gRPC port (<c>--service-map</c> publishes it as <c>grpc</c>).</summary>
    public const string GrpcPortName = "grpc";

    /// <summary><c>host:port</c>, with an IPv6 literal in brackets (Go's <c>net.JoinHostPort</c>).</summary>
    public string Address => JoinHostPort(Host, Port);

    /// <summary>
    /// The target of <paramref name="pooler"/>. A record without a hostname or without a usable <c>grpc</c> port is an
    /// error here (<see cref="GrpcStatusCode.FailedPrecondition"/>), where the reference would dial port 0 and report a
    /// confusing connection failure.
    /// </summary>
    public static MultipoolerTarget FromPooler(Multipooler pooler, string method = "")
    {
        ArgumentNullException.ThrowIfNull(pooler);
        var id = pooler.Id is null ? "multipooler-(no id)" : TopologyPaths.ComponentIdString(pooler.Id);
        var host = pooler.Hostname;
        if (string.IsNullOrWhiteSpace(host))
            throw new MultipoolerRpcException(GrpcStatusCode.FailedPrecondition, $"pooler record {id} has no hostname", $"{id} (no hostname)", method);
        if (!pooler.PortMap.TryGetValue(GrpcPortName, out var port))
            throw new MultipoolerRpcException(GrpcStatusCode.FailedPrecondition,
                $"pooler record {id} has no \"{GrpcPortName}\" port in port_map (ports: [{string.Join(", ", pooler.PortMap.Keys.Order(StringComparer.Ordinal))}])",
                $"{host} (no grpc port)", method);
        if (port is <= 0 or > 65535)
            throw new MultipoolerRpcException(GrpcStatusCode.FailedPrecondition,
                $"pooler record {id} has an invalid \"{GrpcPortName}\" port {port.ToString(CultureInfo.InvariantCulture)}", JoinHostPort(host, port), method);
        return new MultipoolerTarget(host, port, id);
    }

    internal static string JoinHostPort(string host, int port) =>
        (host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[') ? "[" + host + "]" : host) + ":" + port.ToString(CultureInfo.InvariantCulture);
}
