using System.Text.Json.Nodes;
using MultigresOrleans.KubeSim.Http;
using MultigresOrleans.KubeSim.Storage;

namespace MultigresOrleans.KubeSim.Apply;

/// <summary>
/// Server-side apply (`application/apply-patch+yaml`): the configuration is merged into the live
/// object (keyed lists by key, atomic lists and scalars replaced), fields another manager owns with
/// a different value are conflicts unless forced (then ownership moves), and fields this manager
/// applied before but no longer applies are removed unless someone else still owns them.
/// </summary>
public static class ServerSideApply
{
    public static JsonObject Apply(ResourceType type, JsonObject current, JsonObject applied, string manager, bool force, string subresource, DateTimeOffset now)
    {
        var sub = subresource.Length == 0 ? null : subresource;
        var entries = ManagedFields.Read(type, current);
        var appliedSet = FieldSet.FromObject(type, applied);
        var merged = (JsonObject)(Merge(type, current, applied, []) ?? new JsonObject());
        ObjectStore.Metadata(merged)["managedFields"] = current["metadata"]?["managedFields"]?.DeepClone();

        bool IsMine(ManagedFields.Entry e) => e.Manager == manager && e.Operation == "Apply" && e.Subresource == sub;

        var conflicts = new List<(ManagedFields.Entry Owner, IReadOnlyList<string> Path)>();
        foreach (var e in entries.Where(e => !IsMine(e)))
        {
            foreach (var path in e.Fields.Intersect(appliedSet).Paths)
            {
                if (path[^1] == ".")
                    continue;
                var (found, before) = FieldSet.Read(current, path);
                var (_, after) = FieldSet.Read(merged, path);
                if (found && !JsonNode.DeepEquals(before, after))
                    conflicts.Add((e, path));
            }
        }
        if (conflicts.Count > 0 && !force)
            throw ConflictError(type, current, conflicts);

        var conflictPaths = FieldSet.Of(conflicts.Select(c => c.Path));
        var updated = entries
            .Where(e => !IsMine(e))
            .Select(e => e with { Fields = e.Fields.Except(conflictPaths) })
            .ToList();
        var previous = entries.FirstOrDefault(IsMine)?.Fields ?? FieldSet.Empty;
        var ownedByOthers = updated.Aggregate(FieldSet.Empty, (acc, e) => acc.Union(e.Fields));
        foreach (var path in previous.Except(appliedSet).Paths.OrderByDescending(p => p.Count))
        {
            if (!ownedByOthers.Contains(path) && !OwnsDescendant(ownedByOthers, path))
                FieldSet.Remove(merged, path);
        }
        updated.Add(new ManagedFields.Entry(manager, "Apply", type.GroupVersion, Api.ResourceService.Timestamp(now), sub, appliedSet));
        ManagedFields.Write(merged, updated);
        return merged;
    }

    private static bool OwnsDescendant(FieldSet owned, IReadOnlyList<string> path)
    {
        var prefix = path[^1] == "." ? path.Take(path.Count - 1).ToList() : [.. path];
        return owned.Paths.Any(p => p.Count > prefix.Count && p.Take(prefix.Count).SequenceEqual(prefix));
    }

    private static ApiException ConflictError(ResourceType type, JsonObject current, List<(ManagedFields.Entry Owner, IReadOnlyList<string> Path)> conflicts)
    {
        var causes = new JsonArray();
        foreach (var (owner, path) in conflicts)
            causes.Add(new JsonObject
            {
                ["reason"] = "FieldManagerConflict",
                ["message"] = $"conflict with \"{owner.Manager}\"" + (owner.Operation == "Update" ? $" using {owner.ApiVersion}" : ""),
                ["field"] = FieldSet.Display(path),
            });
        string message;
        var byOwner = conflicts.GroupBy(c => c.Owner.Manager).ToList();
        if (conflicts.Count == 1)
        {
            var (owner, path) = conflicts[0];
            message = $"Apply failed with 1 conflict: conflict with \"{owner.Manager}\"" + (owner.Operation == "Update" ? $" using {owner.ApiVersion}" : "") + $": {FieldSet.Display(path)}";
        }
        else
        {
            message = $"Apply failed with {conflicts.Count} conflicts: " + string.Join("\n", byOwner.Select(g =>
                $"conflicts with \"{g.Key}\"" + (g.First().Owner.Operation == "Update" ? $" using {g.First().Owner.ApiVersion}" : "") + ":\n" +
                string.Join("\n", g.Select(c => "- " + FieldSet.Display(c.Path)))));
        }
        var details = new JsonObject { ["name"] = current["metadata"]?["name"]?.DeepClone() };
        if (type.Group.Length > 0)
            details["group"] = type.Group;
        details["kind"] = type.Plural;
        details["causes"] = causes;
        return new ApiException(409, "Conflict", message, details);
    }

    /// <summary>Merges an apply configuration into a live value.</summary>
    private static JsonNode? Merge(ResourceType type, JsonNode? live, JsonNode? applied, List<string> fieldPath)
    {
        switch (applied)
        {
            case JsonObject a:
                var result = live is JsonObject l ? (JsonObject)l.DeepClone() : new JsonObject();
                foreach (var (key, value) in a)
                {
                    if (fieldPath.Count == 0 && key == "status" && type.HasStatus)
                    {
                        result[key] = Merge(type, result[key], value, [key]);
                        continue;
                    }
                    if (value is null)
                        result.Remove(key);
                    else
                        result[key] = Merge(type, result[key], value, [.. fieldPath, key]);
                }
                return result;
            case JsonArray list when live is JsonArray liveList && FieldSet.ListKeys(type, fieldPath, list) is { } keys:
                var merged = (JsonArray)liveList.DeepClone();
                foreach (var item in list)
                {
                    var token = FieldSet.ItemToken(item, keys);
                    var existing = token is null ? null : merged.FirstOrDefault(m => FieldSet.ItemMatches(m, token));
                    if (existing is null)
                        merged.Add(item?.DeepClone());
                    else
                    {
                        var index = merged.IndexOf(existing);
                        merged[index] = item is JsonObject ? Merge(type, existing, item, [.. fieldPath, "[]"]) : item?.DeepClone();
                    }
                }
                return merged;
            default:
                return applied?.DeepClone();
        }
    }
}
