using System.Text.Json.Nodes;
using MultigresOrleans.KubeSim.Storage;

namespace MultigresOrleans.KubeSim.Observability;

/// <summary>
/// An audit trail of writes (who, verb, resource, namespace/name, status), kept in memory and
/// optionally appended to a file as JSON lines, like the API server's audit log at Metadata level.
/// </summary>
/// <remarks>
/// Each pod write also records <see cref="DrainStateField"/>: the pod's <see cref="DrainStateAnnotation"/>
/// as the write left it (absent when the pod has none, or is gone), so a test can replay every pod's
/// drain state sequence from the log alone. The value comes from the written object when the caller
/// passes it, else from <paramref name="store"/> when the entry is recorded. The request handler records
/// after the response is sent, so with the store fallback a client that writes the same pod again at
/// once can have its next write show through (and the two entries can swap places); the operator's drain
/// steps are a reconcile pass apart, and tests wait for each entry before the next write.
/// </remarks>
public sealed class AuditLog(string? path, TimeProvider time, ObjectStore? store = null)
{
    public const string DrainStateAnnotation = "drain.multigres.com/state";
    public const string DrainStateField = "drainState";

    private readonly Lock gate = new();
    private readonly List<JsonObject> entries = [];

    public void Record(string verb, string user, string group, string resource, string? ns, string? name, string subresource, int status, JsonObject? written = null)
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
        if (group.Length == 0 && resource == "pods" && ns is not null && name is not null)
        {
            var pod = written ?? store?.Get("pods", ns, name);
            if (pod?["metadata"]?["annotations"]?[DrainStateAnnotation] is JsonValue drain)
                entry[DrainStateField] = drain.GetValue<string>();
        }
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
