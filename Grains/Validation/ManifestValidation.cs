using System.Text.Json.Nodes;
using MultigresOrleans.Grains.Abstractions.Api;
using MultigresOrleans.Kubernetes.Schema;

namespace MultigresOrleans.Grains.Validation;

/// <summary>
/// What a real API server checks on CREATE before any webhook runs: the structural schema (via the
/// strict reader) and the CRD's CEL rules (via <see cref="CelRuleCatalog"/>). Used by tests and
/// tools to judge manifests offline the way a cluster would.
/// </summary>
public static class ManifestValidation
{
    /// <summary>Schema and CEL violations of one document; empty when the API server would accept it.</summary>
    public static IReadOnlyList<SchemaError> CheckCreate(JsonObject document) => Check(document, old: null);

    /// <summary>CEL violations of an UPDATE from <paramref name="old"/> to <paramref name="updated"/> (transition rules included).</summary>
    public static IReadOnlyList<SchemaError> CheckUpdate(JsonObject updated, JsonObject old) => Check(updated, old);

    // The strict read throws on schema violations; CEL runs only on a well-formed object, as on the API server.
    private static IReadOnlyList<SchemaError> Check(JsonObject document, JsonObject? old)
    {
        var manifest = ManifestReader.Read(document);
        if (manifest.Object is null)
            return [];
        var kind = MultigresKind.Find(manifest.ApiVersion, manifest.Kind)!;
        return CelRuleCatalog.Check(document, old, kind.Schema);
    }
}
