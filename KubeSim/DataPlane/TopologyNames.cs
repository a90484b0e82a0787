using System.Globalization;
using System.Text;

namespace MultigresOrleans.KubeSim.DataPlane;

/// <summary>
/// The names Multigres derives for topology keys (dataplane-contracts §2.1, §2.4), computed here
/// from the contract rather than borrowed from the operator, so the fake checks the operator instead
/// of agreeing with it by construction.
/// </summary>
public static class TopologyNames
{
    /// <summary>
    /// The multipooler service id the operator passes as <c>--service-id</c>: <c>p-</c> + FNV-1a-32 over
    /// the pod name's UTF-8 bytes followed by one 0x00 byte, as 8 lowercase hex digits (big-endian).
    /// </summary>
    public static string PoolerServiceId(string podName)
    {
        ArgumentException.ThrowIfNullOrEmpty(podName);
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(podName))
            hash = (hash ^ b) * 16777619u;
        hash *= 16777619u; // the trailing 0x00: XOR with zero leaves the hash, only the multiply remains
        return "p-" + hash.ToString("x8", CultureInfo.InvariantCulture);
    }

    /// <summary><c>topoclient.ComponentIDString</c> for a multipooler: <c>multipooler-&lt;cell&gt;-&lt;name&gt;</c>, verbatim parts.</summary>
    public static string PoolerComponentId(string cell, string name) => $"multipooler-{cell}-{name}";

    /// <summary>The key of a pooler record: <c>&lt;cellRoot&gt;/poolers/&lt;componentId&gt;/Pooler</c>, Go path.Join semantics.</summary>
    public static string PoolerKey(string cellRoot, string cell, string name) => Join(cellRoot, "poolers", PoolerComponentId(cell, name), "Pooler");

    /// <summary>The prefix every pooler record of a cell lives under (with a trailing slash, for etcd prefix reads).</summary>
    public static string PoolersPrefix(string cellRoot) => Join(cellRoot, "poolers") + "/";

    /// <summary>The global Cell record of <paramref name="cell"/>.</summary>
    public static string CellKey(string globalRoot, string cell) => Join(globalRoot, "cells", cell, "Cell");

    /// <summary>The prefix of every Cell record under a global root (with a trailing slash).</summary>
    public static string CellsPrefix(string globalRoot) => Join(globalRoot, "cells") + "/";

    /// <summary>
    /// Go's <c>path.Join</c>: the non-empty elements joined by "/", then cleaned (repeated slashes
    /// collapsed, "." dropped, ".." resolved, no trailing slash). Multigres builds every key this way,
    /// so a root written as "/multigres/global/" must land on the same keys as "/multigres/global".
    /// </summary>
    public static string Join(params string[] elements)
    {
        var joined = string.Join('/', elements.Where(e => e.Length > 0));
        return joined.Length == 0 ? "" : Clean(joined);
    }

    /// <summary>Go's <c>path.Clean</c> (lexical only; an empty path cleans to ".").</summary>
    public static string Clean(string path)
    {
        if (path.Length == 0)
            return ".";
        var rooted = path[0] == '/';
        var parts = new List<string>();
        foreach (var part in path.Split('/'))
        {
            if (part.Length == 0 || part == ".")
                continue;
            if (part == "..")
            {
                if (parts.Count > 0 && parts[^1] != "..")
                    parts.RemoveAt(parts.Count - 1);
                else if (!rooted)
                    parts.Add("..");
                continue;
            }
            parts.Add(part);
        }
        var cleaned = string.Join('/', parts);
        if (rooted)
            return "/" + cleaned;
        return cleaned.Length == 0 ? "." : cleaned;
    }
}
