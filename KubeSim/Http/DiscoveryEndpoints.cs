using System.Text.Json.Nodes;
using MultigresOrleans.KubeSim.Storage;

namespace MultigresOrleans.KubeSim.Http;

/// <summary>
/// API discovery: the legacy documents (/api, /api/v1, /apis, /apis/&lt;g&gt;, /apis/&lt;g&gt;/&lt;v&gt;) and
/// aggregated discovery v2 (one APIGroupDiscoveryList for /api and one for /apis, served when the
/// client asks for it in Accept, which saves kubectl one request per group).
/// </summary>
internal sealed class DiscoveryEndpoints(ResourceRegistry registry)
{
    public const string AggregatedContentType = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

    private static readonly string[] ResourceVerbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
    private static readonly string[] SubresourceVerbs = ["get", "patch", "update"];

    public JsonObject CoreVersions(string serverAddress) => new()
    {
        ["kind"] = "APIVersions",
        ["versions"] = new JsonArray("v1"),
        ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject { ["clientCIDR"] = "0.0.0.0/0", ["serverAddress"] = serverAddress }),
    };

    public JsonObject GroupList()
    {
        var groups = new JsonArray();
        foreach (var g in Groups())
            groups.Add(GroupDocument(g.Key, g.Value));
        return new JsonObject { ["kind"] = "APIGroupList", ["apiVersion"] = "v1", ["groups"] = groups };
    }

    public JsonObject? Group(string group)
    {
        var groups = Groups();
        if (!groups.TryGetValue(group, out var versions))
            return null;
        var doc = GroupDocument(group, versions);
        doc["kind"] = "APIGroup";
        doc["apiVersion"] = "v1";
        return doc;
    }

    private static JsonObject GroupDocument(string group, List<string> versions)
    {
        var list = new JsonArray();
        foreach (var v in versions)
            list.Add(new JsonObject { ["groupVersion"] = $"{group}/{v}", ["version"] = v });
        return new JsonObject
        {
            ["name"] = group,
            ["versions"] = list,
            ["preferredVersion"] = new JsonObject { ["groupVersion"] = $"{group}/{versions[0]}", ["version"] = versions[0] },
        };
    }

    /// <summary>Non-core groups with their versions, preferred (storage, else newest-looking) first.</summary>
    private SortedDictionary<string, List<string>> Groups()
    {
        var result = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var t in registry.All.Where(t => t.Group.Length > 0))
        {
            if (!result.TryGetValue(t.Group, out var versions))
                result[t.Group] = versions = [];
            if (!versions.Contains(t.Version))
            {
                if (t.StorageVersion)
                    versions.Insert(0, t.Version);
                else
                    versions.Add(t.Version);
            }
        }
        return result;
    }

    public JsonObject? ResourceList(string group, string version)
    {
        var types = registry.All.Where(t => t.Group == group && t.Version == version).ToList();
        if (types.Count == 0)
            return null;
        var resources = new JsonArray();
        foreach (var t in types)
        {
            var r = new JsonObject
            {
                ["name"] = t.Plural,
                ["singularName"] = t.Singular,
                ["namespaced"] = t.Namespaced,
                ["kind"] = t.Kind,
                ["verbs"] = Array(ResourceVerbs),
            };
            if (t.ShortNames.Count > 0)
                r["shortNames"] = Array(t.ShortNames);
            if (t.Categories.Count > 0)
                r["categories"] = Array(t.Categories);
            resources.Add(r);
            if (t.HasStatus)
                resources.Add(new JsonObject { ["name"] = t.Plural + "/status", ["singularName"] = "", ["namespaced"] = t.Namespaced, ["kind"] = t.Kind, ["verbs"] = Array(SubresourceVerbs) });
            if (t.Scale is not null)
                resources.Add(new JsonObject { ["name"] = t.Plural + "/scale", ["singularName"] = "", ["namespaced"] = t.Namespaced, ["group"] = "autoscaling", ["version"] = "v1", ["kind"] = "Scale", ["verbs"] = Array(SubresourceVerbs) });
        }
        var doc = new JsonObject { ["kind"] = "APIResourceList" };
        if (group.Length > 0)
            doc["apiVersion"] = "v1";
        doc["groupVersion"] = group.Length == 0 ? version : $"{group}/{version}";
        doc["resources"] = resources;
        return doc;
    }

    /// <summary>apidiscovery.k8s.io/v2 APIGroupDiscoveryList for /api (core) or /apis (named groups).</summary>
    public JsonObject Aggregated(bool core)
    {
        var items = new JsonArray();
        if (core)
        {
            items.Add(GroupDiscovery("", ["v1"]));
        }
        else
        {
            foreach (var (group, versions) in Groups())
                items.Add(GroupDiscovery(group, versions));
        }
        return new JsonObject
        {
            ["kind"] = "APIGroupDiscoveryList",
            ["apiVersion"] = "apidiscovery.k8s.io/v2",
            ["metadata"] = new JsonObject(),
            ["items"] = items,
        };
    }

    private JsonObject GroupDiscovery(string group, List<string> versions)
    {
        var versionList = new JsonArray();
        foreach (var v in versions)
        {
            var resources = new JsonArray();
            foreach (var t in registry.All.Where(t => t.Group == group && t.Version == v))
            {
                var r = new JsonObject
                {
                    ["resource"] = t.Plural,
                    ["responseKind"] = new JsonObject { ["group"] = t.Group, ["version"] = t.Version, ["kind"] = t.Kind },
                    ["scope"] = t.Namespaced ? "Namespaced" : "Cluster",
                    ["singularResource"] = t.Singular,
                    ["verbs"] = Array(ResourceVerbs),
                };
                if (t.ShortNames.Count > 0)
                    r["shortNames"] = Array(t.ShortNames);
                if (t.Categories.Count > 0)
                    r["categories"] = Array(t.Categories);
                var subresources = new JsonArray();
                if (t.HasStatus)
                    subresources.Add(new JsonObject { ["subresource"] = "status", ["responseKind"] = new JsonObject { ["group"] = t.Group, ["version"] = t.Version, ["kind"] = t.Kind }, ["verbs"] = Array(SubresourceVerbs) });
                if (t.Scale is not null)
                    subresources.Add(new JsonObject { ["subresource"] = "scale", ["responseKind"] = new JsonObject { ["group"] = "autoscaling", ["version"] = "v1", ["kind"] = "Scale" }, ["verbs"] = Array(SubresourceVerbs) });
                if (subresources.Count > 0)
                    r["subresources"] = subresources;
                resources.Add(r);
            }
            versionList.Add(new JsonObject { ["version"] = v, ["resources"] = resources, ["freshness"] = "Current" });
        }
        var metadata = new JsonObject();
        if (group.Length > 0)
            metadata["name"] = group;
        return new JsonObject { ["metadata"] = metadata, ["versions"] = versionList };
    }

    private static JsonArray Array(IEnumerable<string> values) => new([.. values.Select(v => (JsonNode?)v)]);
}
