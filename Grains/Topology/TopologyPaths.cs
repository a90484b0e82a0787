using MultigresOrleans.Grains.Topology.ClusterMetadata;

namespace MultigresOrleans.Grains.Topology;

/// <summary>
/// Key construction of the Multigres topology (dataplane-contracts §2.1–2.3). Every key is Go's
/// <c>path.Join(root, relative)</c>, so the same lexical cleaning applies: empty segments dropped,
/// <c>//</c> collapsed, <c>.</c>/<c>..</c> resolved, trailing <c>/</c> removed. Matching it exactly
/// matters because a root written as <c>/multigres/global/</c> must address the same keys as
/// <c>/multigres/global</c>, as it does for every Multigres component.
/// </summary>
public static class TopologyPaths
{
    /// <summary>The operator's default global root (<c>--topo-global-root</c>).</summary>
    public const string DefaultGlobalRoot = "/multigres/global";

    public static string CellKey(string globalRoot, string cell) => Join(globalRoot, "cells", cell, "Cell");

    public static string DatabaseKey(string globalRoot, string database) => Join(globalRoot, "databases", database, "Database");

    /// <summary>Prefix listing every cell directory (with the trailing slash the listing needs).</summary>
    public static string CellsPrefix(string globalRoot) => Join(globalRoot, "cells") + "/";

    /// <summary>Prefix listing every database directory (Database files, ShardInitClaims and lock dirs alike).</summary>
    public static string DatabasesPrefix(string globalRoot) => Join(globalRoot, "databases") + "/";

    /// <summary>
    /// Prefix listing the pooler records of a cell. Upstream lists <c>…/poolers</c> without the
    /// slash, which would also pick up a sibling such as <c>…/poolers-old/</c> and then fail to
    /// decode it; the slash keeps the listing to the directory.
    /// </summary>
    public static string PoolersPrefix(string cellRoot) => Join(cellRoot, "poolers") + "/";

    public static string PoolerKey(string cellRoot, ID id) => Join(cellRoot, "poolers", ComponentIdString(id), "Pooler");

    /// <summary><c>topoclient.ComponentIDString</c>: <c>&lt;lowercase component&gt;-&lt;cell&gt;-&lt;name&gt;</c>, cell and name verbatim.</summary>
    public static string ComponentIdString(ID id)
    {
        ArgumentNullException.ThrowIfNull(id);
        var component = id.Component switch
        {
            ID.Types.ComponentType.Multipooler => "multipooler",
            ID.Types.ComponentType.Multigateway => "multigateway",
            ID.Types.ComponentType.Multiorch => "multiorch",
            _ => "unknown",
        };
        return $"{component}-{id.Cell}-{id.Name}";
    }

    /// <summary>
    /// The first path segment of each key below <paramref name="prefix"/>, deduplicated, in key
    /// order: what <c>ListDir</c> returns for <c>cells/</c> and <c>databases/</c>.
    /// </summary>
    public static IReadOnlyList<string> FirstSegments(string prefix, IEnumerable<string> keys)
    {
        var names = new List<string>();
        foreach (var key in keys)
        {
            if (!key.StartsWith(prefix, StringComparison.Ordinal)) continue;
            var rest = key.AsSpan(prefix.Length);
            var slash = rest.IndexOf('/');
            var name = (slash < 0 ? rest : rest[..slash]).ToString();
            if (name.Length > 0 && (names.Count == 0 || names[^1] != name))
                names.Add(name);
        }
        return names;
    }

    /// <summary>Go's <c>path.Join</c>: joins the non-empty elements with <c>/</c> and cleans the result; "" when all are empty.</summary>
    public static string Join(params string[] elements)
    {
        var nonEmpty = elements.Where(e => !string.IsNullOrEmpty(e)).ToArray();
        return nonEmpty.Length == 0 ? "" : Clean(string.Join('/', nonEmpty));
    }

    /// <summary>Go's <c>path.Clean</c> (lexical only).</summary>
    public static string Clean(string path)
    {
        if (string.IsNullOrEmpty(path)) return ".";
        var rooted = path[0] == '/';
        var parts = new List<string>();
        foreach (var segment in path.Split('/'))
        {
            switch (segment)
            {
                case "" or ".":
                    break;
                case "..":
                    if (parts.Count > 0 && parts[^1] != "..")
                        parts.RemoveAt(parts.Count - 1);
                    else if (!rooted)
                        parts.Add("..");
                    break;
                default:
                    parts.Add(segment);
                    break;
            }
        }
        var joined = string.Join('/', parts);
        return rooted ? "/" + joined : joined.Length == 0 ? "." : joined;
    }
}
