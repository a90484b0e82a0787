using System.Globalization;
using System.Text.Json.Nodes;
using MultigresOrleans.Kubernetes.Models;
using MultigresOrleans.KubeSim.Storage;

namespace MultigresOrleans.KubeSim.Tables;

/// <summary>
/// Server-side printing (`as=Table`): kubectl prints the cells verbatim, so the server decides the
/// columns (Name, then a CRD's additionalPrinterColumns, or Age when it declares none) and formats
/// them, including humanised ages relative to the server's clock.
/// </summary>
public sealed class TableConverter(TimeProvider time)
{
    private sealed record Column(string Name, string Type, string Format, string Description, int Priority, Func<JsonObject, JsonNode?> Cell);

    private const string NameDescription = "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";
    private const string AgeDescription = "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

    /// <summary>Builds a meta.k8s.io/v1 Table. <paramref name="includeObject"/> is None, Metadata (default) or Object.</summary>
    public JsonObject Convert(ResourceType type, IReadOnlyList<JsonObject> items, string resourceVersion, string? continueToken, string? includeObject)
    {
        var columns = ColumnsFor(type);
        var definitions = new JsonArray();
        foreach (var c in columns)
        {
            definitions.Add(new JsonObject
            {
                ["name"] = c.Name,
                ["type"] = c.Type,
                ["format"] = c.Format,
                ["description"] = c.Description,
                ["priority"] = c.Priority,
            });
        }
        var rows = new JsonArray();
        foreach (var item in items)
        {
            var cells = new JsonArray();
            foreach (var c in columns)
                cells.Add(c.Cell(item));
            var row = new JsonObject { ["cells"] = cells };
            switch (includeObject)
            {
                case "None":
                    break;
                case "Object":
                    row["object"] = item.DeepClone();
                    break;
                default:
                    row["object"] = new JsonObject
                    {
                        ["kind"] = "PartialObjectMetadata",
                        ["apiVersion"] = "meta.k8s.io/v1",
                        ["metadata"] = item["metadata"]?.DeepClone(),
                    };
                    break;
            }
            rows.Add(row);
        }
        var metadata = new JsonObject { ["resourceVersion"] = resourceVersion };
        if (continueToken is not null)
            metadata["continue"] = continueToken;
        return new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = "meta.k8s.io/v1",
            ["metadata"] = metadata,
            ["columnDefinitions"] = definitions,
            ["rows"] = rows,
        };
    }

    private List<Column> ColumnsFor(ResourceType type)
    {
        var columns = new List<Column> { new("Name", "string", "name", NameDescription, 0, o => o["metadata"]?["name"]?.DeepClone()) };
        if (type.IsCustom)
        {
            if (type.PrinterColumns.Count == 0)
                columns.Add(AgeColumn());
            foreach (var pc in type.PrinterColumns)
                columns.Add(PrinterColumn(pc));
            return columns;
        }
        columns.AddRange(BuiltInColumns(type));
        columns.Add(AgeColumn());
        return columns;
    }

    private Column AgeColumn() => new("Age", "string", "", AgeDescription, 0, o => Age(o["metadata"]?["creationTimestamp"]));

    private JsonNode? Age(JsonNode? timestamp)
    {
        if (timestamp is not JsonValue v || !DateTimeOffset.TryParse(v.ToString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t))
            return "<unknown>";
        return AgeFormatter.Format(time.GetUtcNow() - t);
    }

    private Column PrinterColumn(CustomResourceColumnDefinition pc)
    {
        JsonPathExpression? path;
        try
        {
            path = JsonPathExpression.Parse(pc.JsonPath);
        }
        catch (FormatException)
        {
            path = null;
        }
        return new Column(pc.Name, pc.Type, pc.Format ?? "", pc.Description ?? "", pc.Priority ?? 0, o =>
        {
            if (path is null)
                return null;
            var results = path.Evaluate(o);
            if (results.Count == 0)
                return null;
            if (results.Count > 1 || pc.Type == "string")
                return JsonPathExpression.Print(results);
            var value = results[0];
            return pc.Type switch
            {
                "date" => Age(value),
                "integer" or "number" or "boolean" => value?.DeepClone(),
                _ => JsonPathExpression.Format(value),
            };
        });
    }

    /// <summary>The columns a real server prints for the built-ins a user looks at most.</summary>
    private static IEnumerable<Column> BuiltInColumns(ResourceType type)
    {
        switch (type.Plural)
        {
            case "namespaces":
                yield return new("Status", "string", "", "The status of the namespace", 0, o => o["status"]?["phase"]?.DeepClone() ?? "Active");
                break;
            case "pods":
                yield return new("Ready", "string", "", "The aggregate readiness state of this pod for accepting traffic.", 0, PodReady);
                yield return new("Status", "string", "", "The aggregate status of the containers in this pod.", 0,
                    o => o["metadata"]?["deletionTimestamp"] is not null ? "Terminating" : o["status"]?["phase"]?.DeepClone() ?? "Pending");
                yield return new("Restarts", "string", "", "The number of times the containers in this pod have been restarted.", 0,
                    o => (o["status"]?["containerStatuses"] as JsonArray)?.Sum(c => JsonNumbers.LongOr(c?["restartCount"], 0)).ToString(CultureInfo.InvariantCulture) ?? "0");
                break;
            case "deployments":
                yield return new("Ready", "string", "", "Number of the pod with ready state", 0,
                    o => $"{Int(o, "status", "readyReplicas")}/{Int(o, "spec", "replicas", 1)}");
                yield return new("Up-to-date", "integer", "", "Total number of non-terminated pods targeted by this deployment that have the desired template spec.", 0, o => Int(o, "status", "updatedReplicas"));
                yield return new("Available", "integer", "", "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.", 0, o => Int(o, "status", "availableReplicas"));
                break;
            case "statefulsets":
                yield return new("Ready", "string", "", "Number of the pod with ready state", 0,
                    o => $"{Int(o, "status", "readyReplicas")}/{Int(o, "spec", "replicas", 1)}");
                break;
            case "secrets":
                yield return new("Type", "string", "", "The type of the secret", 0, o => o["type"]?.DeepClone() ?? "Opaque");
                yield return new("Data", "string", "", "Number of items in the secret", 0,
                    o => (o["data"] as JsonObject)?.Count ?? 0);
                break;
            case "configmaps":
                yield return new("Data", "string", "", "Number of items in the data", 0,
                    o => ((o["data"] as JsonObject)?.Count ?? 0) + ((o["binaryData"] as JsonObject)?.Count ?? 0));
                break;
            case "services":
                yield return new("Type", "string", "", "The type of the service.", 0, o => o["spec"]?["type"]?.DeepClone() ?? "ClusterIP");
                yield return new("Cluster-IP", "string", "", "The IP address of the service.", 0, o => o["spec"]?["clusterIP"]?.DeepClone() ?? "<none>");
                break;
            case "persistentvolumeclaims":
                yield return new("Status", "string", "", "The phase of the claim.", 0, o => o["status"]?["phase"]?.DeepClone() ?? "Pending");
                break;
        }
    }

    private static long Int(JsonObject o, string a, string b, long fallback = 0) =>
        JsonNumbers.LongOr(o[a]?[b], fallback);

    private static JsonNode PodReady(JsonObject o)
    {
        var statuses = o["status"]?["containerStatuses"] as JsonArray;
        var total = (o["spec"]?["containers"] as JsonArray)?.Count ?? 0;
        var ready = statuses?.Count(s => JsonNumbers.IsTrue(s?["ready"])) ?? 0;
        return $"{ready}/{total}";
    }
}
