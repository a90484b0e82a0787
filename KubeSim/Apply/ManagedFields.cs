using System.Text.Json.Nodes;
using MultigresOrleans.KubeSim.Storage;

namespace MultigresOrleans.KubeSim.Apply;

/// <summary>
/// metadata.managedFields bookkeeping. An Update (PUT, merge/JSON/strategic patch) gives its
/// manager the fields it changed and takes them from every other manager; an Apply entry holds
/// exactly the fields of the manager's last apply configuration. Entries are keyed by manager,
/// operation and subresource like the real server's.
/// </summary>
public static class ManagedFields
{
    public sealed record Entry(string Manager, string Operation, string ApiVersion, string Time, string? Subresource, FieldSet Fields);

    public static List<Entry> Read(ResourceType? type, JsonObject obj)
    {
        var result = new List<Entry>();
        if (obj["metadata"]?["managedFields"] is not JsonArray entries)
            return result;
        foreach (var e in entries.OfType<JsonObject>())
        {
            result.Add(new Entry(
                e["manager"]?.GetValue<string>() ?? "",
                e["operation"]?.GetValue<string>() ?? "Update",
                e["apiVersion"]?.GetValue<string>() ?? "",
                e["time"]?.GetValue<string>() ?? "",
                e["subresource"]?.GetValue<string>(),
                FieldSet.FromFieldsV1(e["fieldsV1"])));
        }
        return result;
    }

    public static void Write(JsonObject obj, IEnumerable<Entry> entries)
    {
        var array = new JsonArray();
        foreach (var e in entries.Where(e => !e.Fields.IsEmpty))
        {
            var entry = new JsonObject
            {
                ["manager"] = e.Manager,
                ["operation"] = e.Operation,
                ["apiVersion"] = e.ApiVersion,
                ["time"] = e.Time,
                ["fieldsType"] = "FieldsV1",
                ["fieldsV1"] = e.Fields.ToFieldsV1(),
            };
            if (e.Subresource is not null)
                entry["subresource"] = e.Subresource;
            array.Add(entry);
        }
        var meta = ObjectStore.Metadata(obj);
        if (array.Count == 0)
            meta.Remove("managedFields");
        else
            meta["managedFields"] = array;
    }

    /// <summary>Records an Update by <paramref name="manager"/> that turned <paramref name="before"/> into <paramref name="after"/>.</summary>
    public static void RecordUpdate(ResourceType type, JsonObject? before, JsonObject after, string manager, string operation, string apiVersion, string time, string? subresource)
    {
        var afterFields = FieldSet.FromObject(type, after);
        var changed = before is null ? afterFields : FilterChanged(afterFields, before, after);
        var entries = before is null ? [] : Read(type, before);
        if (changed.IsEmpty && before is not null)
        {
            Write(after, entries);
            return;
        }
        // Fields the update removed are no longer owned by anyone.
        var removed = before is null ? FieldSet.Empty : FieldSet.FromObject(type, before).Except(afterFields);
        var updated = new List<Entry>();
        var mine = entries.FirstOrDefault(e => e.Manager == manager && e.Operation == operation && e.Subresource == subresource);
        foreach (var e in entries)
        {
            if (ReferenceEquals(e, mine))
                continue;
            updated.Add(e with { Fields = e.Fields.Except(changed).Except(removed) });
        }
        var myFields = (mine?.Fields ?? FieldSet.Empty).Except(removed).Union(changed);
        updated.Add(new Entry(manager, operation, apiVersion, time, subresource, myFields));
        Write(after, updated);
    }

    /// <summary>Replaces a manager's Apply entry with the fields of its configuration.</summary>
    public static void SetApplied(ResourceType type, JsonObject obj, JsonObject applied, string manager, string apiVersion, string time, string? subresource)
    {
        var entries = Read(type, obj).Where(e => !(e.Manager == manager && e.Operation == "Apply" && e.Subresource == subresource)).ToList();
        // A create through apply must not leave an Update entry for the same manager.
        entries = [.. entries.Where(e => e.Manager != manager || e.Operation != "Update")];
        entries.Add(new Entry(manager, "Apply", apiVersion, time, subresource, FieldSet.FromObject(type, applied)));
        Write(obj, entries);
    }

    private static FieldSet FilterChanged(FieldSet candidate, JsonObject before, JsonObject after)
    {
        var changed = new List<IReadOnlyList<string>>();
        foreach (var path in candidate.Paths)
        {
            var (foundBefore, valueBefore) = FieldSet.Read(before, path);
            var (_, valueAfter) = FieldSet.Read(after, path);
            if (!foundBefore || (path[^1] != "." && !JsonNode.DeepEquals(valueBefore, valueAfter)))
                changed.Add(path);
        }
        return FieldSet.Of(changed);
    }
}
