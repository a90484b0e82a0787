using System.Text.Json.Nodes;

namespace MultigresOrleans.KubeSim.Observability;

/// <summary>
/// An audit trail of writes (who, verb, resource, namespace/name, status), kept in memory and
/// optionally appended to a file as JSON lines, like the API server's audit log at Metadata level.
/// </summary>
public sealed class AuditLog(string? path, TimeProvider time)
{
    private readonly Lock gate = new();
    private readonly List<JsonObject> entries = [];

    public void Record(string verb, string user, string group, string resource, string? ns, string? name, string subresource, int status)
    {
        var entry = new JsonObject
        {
            ["kind"] = "Event",
            ["apiVersion"] = "audit.k8s.io/v1",
            ["level"] = "Metadata",
            ["stage"] = "ResponseComplete",
            ["verb"] = verb,
            ["user"] = new JsonObject { ["username"] = user },
            ["objectRef"] = new JsonObject
            {
                ["resource"] = resource,
                ["namespace"] = ns,
                ["name"] = name,
                ["apiGroup"] = group,
                ["subresource"] = subresource.Length == 0 ? null : subresource,
            },
            ["responseStatus"] = new JsonObject { ["code"] = status },
            ["stageTimestamp"] = time.GetUtcNow().ToString("O"),
        };
        lock (gate)
        {
            entries.Add(entry);
            if (path is not null)
                File.AppendAllText(path, entry.ToJsonString() + "\n");
        }
    }

    public IReadOnlyList<JsonObject> Entries
    {
        get { lock (gate) return [.. entries.Select(e => (JsonObject)e.DeepClone())]; }
    }
}
