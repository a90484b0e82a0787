using System.Text.Json;
using System.Text.Json.Nodes;
using MultigresOrleans.Kubernetes.Models;
using MultigresOrleans.Kubernetes.Schema;
using MultigresOrleans.Kubernetes.Yaml;

namespace MultigresOrleans.Grains.Abstractions.Api;

/// <summary>One document of a manifest: a Multigres object read strictly into its type, or any other object as JSON.</summary>
public sealed record Manifest(string ApiVersion, string Kind, string? Name, string? Namespace, JsonObject Json, IKubernetesObject? Object)
{
    public string Describe() => $"{Kind} \"{(Namespace is null ? "" : Namespace + "/")}{Name}\"";
}

/// <summary>
/// Reads YAML manifests as kubectl would send them and checks each Multigres object against its
/// kind's schema the way <c>fieldValidation=Strict</c> does (unknown and mistyped fields rejected
/// with their paths). Objects of other kinds (Secrets, Namespaces, …) are returned as JSON untouched.
/// CEL rules are not checked here: they belong to admission (Grains/Validation).
/// </summary>
public static class ManifestReader
{
    public static IReadOnlyList<Manifest> ReadAll(string yaml)
    {
        var manifests = new List<Manifest>();
        var index = 0;
        foreach (var document in YamlJson.ParseDocuments(yaml))
        {
            manifests.Add(Read(document, $"document {index}"));
            index++;
        }
        return manifests;
    }

    public static Manifest Read(JsonNode? document, string where = "document")
    {
        if (document is not JsonObject json)
            throw new StrictReadException($"{where}: a manifest must be an object, not {document?.GetValueKind().ToString() ?? "null"}");
        var apiVersion = json["apiVersion"] is JsonValue a && a.GetValueKind() == JsonValueKind.String ? a.GetValue<string>() : null;
        var kind = json["kind"] is JsonValue k && k.GetValueKind() == JsonValueKind.String ? k.GetValue<string>() : null;
        if (string.IsNullOrEmpty(apiVersion) || string.IsNullOrEmpty(kind))
            throw new StrictReadException($"{where}: apiVersion and kind must be set (Object 'Kind' is missing)");
        var name = json["metadata"]?["name"]?.GetValue<string>();
        var ns = json["metadata"]?["namespace"]?.GetValue<string>();
        var manifest = new Manifest(apiVersion, kind, name, ns, json, null);

        if (MultigresKind.Find(apiVersion, kind) is not { } multigresKind)
        {
            if (apiVersion.StartsWith(V1Alpha1.ApiConstants.Group + "/", StringComparison.Ordinal))
                throw new StrictReadException($"{manifest.Describe()}: no kind \"{kind}\" is registered for version \"{apiVersion}\"");
            return manifest;
        }

        var typed = StrictReader.Read(json, multigresKind.Schema, multigresKind.TypeInfo, manifest.Describe());
        return manifest with { Object = (IKubernetesObject)typed };
    }
}
