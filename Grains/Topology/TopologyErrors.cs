namespace MultigresOrleans.Grains.Topology;

/// <summary>The subset of upstream <c>topoclient.ErrorCode</c> this store raises, with upstream's numbers.</summary>
public enum TopologyErrorCode
{
    NodeExists = 0,
    NoNode = 1,
    NodeNotEmpty = 2,
    BadVersion = 5,
    BadInput = 11,
}

/// <summary>
/// A topology failure with upstream's code and message shape (<c>topo error [&lt;code&gt;]: …</c>,
/// dataplane-contracts §4.3). etcd being unreachable is not one of these: it surfaces as the
/// Etcd client's <c>EtcdUnavailableException</c>, whose text starts with "UNAVAILABLE".
/// </summary>
public sealed class TopologyException : Exception
{
    public TopologyException(TopologyErrorCode code, string node, Exception? inner = null)
        : base(Format(code, node), inner)
    {
        Code = code;
        Node = node;
    }

    public TopologyErrorCode Code { get; }

    public string Node { get; }

    private static string Format(TopologyErrorCode code, string node) => code switch
    {
        TopologyErrorCode.NodeExists => $"topo error [0]: node already exists: {node}",
        TopologyErrorCode.NoNode => $"topo error [1]: node doesn't exist: {node}",
        TopologyErrorCode.NodeNotEmpty => $"topo error [2]: node not empty: {node}",
        TopologyErrorCode.BadVersion => $"topo error [5]: bad node version: {node}",
        _ => $"topo error [{(int)code}]: {node}",
    };
}
