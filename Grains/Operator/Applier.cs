using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using MultigresOrleans.Kubernetes.Client;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Grains.Operator;

/// <summary>What <see cref="Applier"/> did with one desired object.</summary>
public enum ApplyOutcome
{
    /// <summary>The live object already matched and this silo applied the same intent before: nothing was sent.</summary>
    Unchanged,

    /// <summary>A server-side apply was sent.</summary>
    Applied,
}

/// <summary>
/// Server-side apply with the operator's field manager, skipping the request when it cannot change
/// anything. The reference applies every child on every reconcile; at rest that is one write per
/// object per resync. Here a desired object is sent only when the live object does not contain it
/// (a field differs or is missing), or when this silo has not applied this exact intent before —
/// the second condition is what lets a field we stopped setting (externalIPs turned off) be removed
/// by the apply instead of lingering because "the live object still contains everything we want".
/// After a restart or an ownership move each object is applied once, then only on change.
/// </summary>
public sealed partial class Applier(string fieldManager, ILogger<Applier> logger)
{
    private readonly ConcurrentDictionary<string, string> _applied = new(StringComparer.Ordinal);

    public string FieldManager { get; } = fieldManager;

    /// <summary>How many objects this silo remembers an applied intent for (deleted objects are forgotten).</summary>
    public int Remembered => _applied.Count;

    public async Task<ApplyOutcome> ApplyAsync<T>(ResourceClient<T> resource, T desired, T? live, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject =>
        (await ApplyForResultAsync(resource, desired, live, cancellationToken).ConfigureAwait(false)).Outcome;

    /// <summary>As <see cref="ApplyAsync{T}"/>, also returning the object as stored (the live one when nothing was sent).</summary>
    public async Task<(ApplyOutcome Outcome, T Stored)> ApplyForResultAsync<T>(ResourceClient<T> resource, T desired, T? live, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(desired);
        var desiredJson = JsonSerializer.SerializeToNode(desired, resource.TypeInfo)!.AsObject();
        var key = KeyOf(resource.Resource.Plural, desired.Metadata);
        var intent = Hash(desiredJson);
        if (live is not null && _applied.TryGetValue(key, out var last) && last == intent
            && ContainsAll(JsonSerializer.SerializeToNode(live, resource.TypeInfo), desiredJson))
            return (ApplyOutcome.Unchanged, live);

        var stored = await resource.ApplyAsync(desired, new ApplyOptions(FieldManager) { Force = true }, cancellationToken).ConfigureAwait(false);
        _applied[key] = intent;
        Log.Applied(logger, desired.Kind, desired.Metadata.Namespace ?? "", desired.Metadata.Name ?? "");
        return (ApplyOutcome.Applied, stored);
    }

    /// <summary>Forget what was applied for an object that was deleted, so a recreated one is applied.</summary>
    public void Forget(string plural, ObjectMeta metadata) => _applied.TryRemove(KeyOf(plural, metadata), out _);

    /// <summary>
    /// True when every value of <paramref name="desired"/> is present and equal in <paramref name="live"/>.
    /// Objects may carry more fields live (server defaults, other managers); lists must have the same
    /// length, because a list the operator sets is entirely its own.
    /// </summary>
    public static bool ContainsAll(JsonNode? live, JsonNode? desired) => (live, desired) switch
    {
        (_, null) => true,
        (null, _) => false,
        (JsonObject l, JsonObject d) => d.All(p => l.TryGetPropertyValue(p.Key, out var lv) ? ContainsAll(lv, p.Value) : p.Value is null),
        (JsonArray l, JsonArray d) => l.Count == d.Count && d.Select((item, i) => ContainsAll(l[i], item)).All(x => x),
        (JsonValue l, JsonValue d) => JsonNode.DeepEquals(l, d) || string.Equals(l.ToJsonString(), d.ToJsonString(), StringComparison.Ordinal),
        _ => false,
    };

    private static string KeyOf(string plural, ObjectMeta metadata) => $"{plural}/{metadata.Namespace}/{metadata.Name}";

    private static string Hash(JsonNode node) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(node.ToJsonString())));

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "applied {Kind} {Namespace}/{Name}")]
        public static partial void Applied(ILogger logger, string kind, string @namespace, string name);
    }
}

/// <summary>Status writes: server-side apply on the status subresource, skipped when the live status is already equal.</summary>
public static class StatusWriter
{
    /// <summary>
    /// Apply <paramref name="status"/> as the whole status of <paramref name="live"/>; returns false (no
    /// request) when the live status serialises to the same JSON.
    /// </summary>
    public static async Task<bool> ApplyAsync<T, TStatus>(ResourceClient<T> resource, T live, TStatus status,
        System.Text.Json.Serialization.Metadata.JsonTypeInfo<TStatus> statusType, string fieldManager, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(live);
        var desired = JsonSerializer.SerializeToNode(status, statusType);
        var current = JsonSerializer.SerializeToNode(live, resource.TypeInfo)?["status"];
        if (JsonNode.DeepEquals(desired, current))
            return false;
        var body = new JsonObject
        {
            ["apiVersion"] = live.ApiVersion,
            ["kind"] = live.Kind,
            ["metadata"] = new JsonObject { ["name"] = live.Metadata.Name, ["namespace"] = live.Metadata.Namespace },
            ["status"] = desired,
        };
        await resource.ApplyAsync(live.Metadata.Name!, live.Metadata.Namespace, body, new ApplyOptions(fieldManager) { Force = true }, "status", cancellationToken)
            .ConfigureAwait(false);
        return true;
    }
}
