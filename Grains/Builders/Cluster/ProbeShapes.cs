using System.Text.Json;
using System.Text.Json.Nodes;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Grains.Builders.Cluster;

/// <summary>Small shapes of core/v1 the typed models keep as JSON (probes, volume sources, Service extras).</summary>
internal static class ProbeShapes
{
    /// <summary>An HTTP GET probe with only the fields the spec sets; the API server defaults the rest (timeout 1s, success 1).</summary>
    public static JsonObject HttpGet(string path, int port, int periodSeconds, int? failureThreshold = null)
    {
        var probe = new JsonObject
        {
            ["httpGet"] = new JsonObject { ["path"] = path, ["port"] = port },
            ["periodSeconds"] = periodSeconds,
        };
        if (failureThreshold is { } threshold)
            probe["failureThreshold"] = threshold;
        return probe;
    }

    public static ContainerPort TcpPort(string name, int port) => new() { Name = name, ContainerPortNumber = port, Protocol = "TCP" };

    public static ServicePort ServicePort(string name, int port, JsonNode targetPort) =>
        new() { Name = name, Port = port, Protocol = "TCP", TargetPort = targetPort };

    public static EnvVar Env(string name, string value) => new() { Name = name, Value = value };

    /// <summary>
    /// <c>spec.externalIPs</c>, which the typed ServiceSpec does not model, stored in its extension data so it
    /// serializes in place.
    /// </summary>
    public static void SetExternalIps(ServiceSpec spec, IReadOnlyList<string> externalIps)
    {
        var array = new JsonArray();
        foreach (var ip in externalIps)
            array.Add(ip);
        using var document = JsonDocument.Parse(array.ToJsonString());
        spec.ExtensionData ??= new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        spec.ExtensionData["externalIPs"] = document.RootElement.Clone();
    }

    /// <summary>The <c>spec.externalIPs</c> stored by <see cref="SetExternalIps"/>, or null.</summary>
    public static IReadOnlyList<string>? ExternalIps(ServiceSpec spec) =>
        spec.ExtensionData is { } data && data.TryGetValue("externalIPs", out var element) && element.ValueKind == JsonValueKind.Array
            ? element.EnumerateArray().Select(e => e.GetString() ?? "").ToList()
            : null;
}
