using System.Text;
using System.Text.Json.Nodes;

namespace MultigresOrleans.KubeSim.Storage;

/// <summary>
/// Optional persistence for the sandbox: every object as one JSON line (`{"key":…,"object":…}`),
/// written on shutdown and read on start, so a sandbox cluster survives a KubeSim restart.
/// </summary>
public static class SnapshotFile
{
    public static async Task SaveAsync(ObjectStore store, string path, CancellationToken ct = default)
    {
        var sb = new StringBuilder();
        foreach (var (key, obj) in store.Snapshot())
            sb.Append(new JsonObject { ["key"] = key, ["object"] = obj }.ToJsonString()).Append('\n');
        var temporary = path + ".tmp";
        await File.WriteAllTextAsync(temporary, sb.ToString(), ct);
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Restores a snapshot and re-installs its CRDs; false when there is no snapshot yet.</summary>
    public static async Task<bool> LoadAsync(ObjectStore store, ResourceRegistry registry, string path, CancellationToken ct = default)
    {
        if (!File.Exists(path))
            return false;
        var objects = new List<(string, JsonObject)>();
        foreach (var line in await File.ReadAllLinesAsync(path, ct))
        {
            if (line.Length == 0 || JsonNode.Parse(line) is not JsonObject entry)
                continue;
            var key = entry["key"]!.GetValue<string>();
            var obj = (JsonObject)entry["object"]!.DeepClone();
            objects.Add((key, obj));
            if (key == "customresourcedefinitions.apiextensions.k8s.io")
                registry.Install(obj);
        }
        store.Restore(objects);
        return true;
    }
}
