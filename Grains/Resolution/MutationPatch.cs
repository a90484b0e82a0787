using System.Text.Json;
using System.Text.Json.Nodes;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;

namespace MultigresOrleans.Grains.Resolution;

/// <summary>The mutating webhook's answer: the JSON Patch and what it was computed from.</summary>
public sealed record MutationResult(JsonArray Patch, MultigresCluster Defaulted, IReadOnlyList<string> Decisions);

/// <summary>
/// Spec §2.2 as a patch: default the incoming MultigresCluster and diff its <c>spec</c> against the one
/// the API server sent.
/// </summary>
/// <remarks>
/// Only <c>/spec</c> is diffed. The defaulter changes nothing else, and diffing the whole object would turn
/// every metadata field the typed model does not carry into a <c>remove</c>. A value whose JSON form changes
/// on a round trip through the types (a quantity written as the number <c>1</c> comes back as <c>"1"</c>)
/// appears as a harmless <c>replace</c> with the equivalent value.
/// </remarks>
public static class MutationPatch
{
    public static MutationResult Compute(JsonObject incoming, ITemplateSource templates)
    {
        ArgumentNullException.ThrowIfNull(incoming);
        var cluster = incoming.Deserialize(MultigresJsonContext.Default.MultigresCluster)
            ?? throw new JsonException("the object is null, expected a MultigresCluster");
        var result = Defaulter.Default(cluster, templates);
        var defaultedSpec = SpecJson(result.Cluster);
        var patch = incoming.ContainsKey("spec")
            ? JsonPatchDiff.Diff(incoming["spec"], defaultedSpec, "/spec")
            : new JsonArray(new JsonObject { ["op"] = "add", ["path"] = "/spec", ["value"] = defaultedSpec });
        return new MutationResult(patch, result.Cluster, result.Decisions);
    }

    /// <summary>The cluster's spec as the API serialises it (nulls omitted).</summary>
    public static JsonNode? SpecJson(MultigresCluster cluster)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        return JsonSerializer.SerializeToNode(cluster, MultigresJsonContext.Default.MultigresCluster)?["spec"]?.DeepClone();
    }
}
