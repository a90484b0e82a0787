namespace MultigresOrleans.KubeSim.Http;

/// <summary>
/// A REST path below /api/v1 or /apis/&lt;group&gt;/&lt;version&gt; split the way the API server's
/// request-info resolver splits it: optional namespace, resource, optional name and subresource.
/// </summary>
public sealed record RequestTarget(string Group, string Version, string? Namespace, string Resource, string? Name, string Subresource, bool LegacyWatch)
{
    /// <summary>Parses the segments after the group-version prefix; null when they name no resource.</summary>
    public static RequestTarget? Parse(string group, string version, IReadOnlyList<string> rest)
    {
        var segments = rest.ToList();
        var legacyWatch = false;
        if (segments.Count > 0 && segments[0] == "watch")
        {
            legacyWatch = true;
            segments.RemoveAt(0);
        }
        if (segments.Count == 0)
            return null;

        string? ns = null;
        if (segments[0] == "namespaces" && segments.Count >= 3 && !(group.Length == 0 && segments.Count == 3 && segments[2] is "status" or "finalize"))
        {
            ns = segments[1];
            segments.RemoveRange(0, 2);
        }
        var resource = segments[0];
        var name = segments.Count > 1 ? segments[1] : null;
        var subresource = segments.Count > 2 ? string.Join("/", segments.Skip(2)) : "";
        return new RequestTarget(group, version, ns, resource, name, subresource, legacyWatch);
    }
}
