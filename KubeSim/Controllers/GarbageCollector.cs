using System.Text.Json.Nodes;
using MultigresOrleans.KubeSim.Api;
using MultigresOrleans.KubeSim.Http;
using MultigresOrleans.KubeSim.Storage;

namespace MultigresOrleans.KubeSim.Controllers;

/// <summary>
/// The garbage collector and namespace lifecycle controller. It follows the store's change stream
/// like the real controllers follow informers: when an owner disappears its dependents are deleted
/// (or just lose the owner reference while another owner remains); `orphan` strips owner references
/// before letting the owner go; `foregroundDeletion` deletes dependents first and releases the
/// owner when none is left; a terminating namespace is emptied, then removed.
/// </summary>
public sealed partial class GarbageCollector(ResourceService service, ILogger<GarbageCollector> logger) : StoreEventController(service)
{
    public const string ForegroundFinalizer = "foregroundDeletion";
    public const string OrphanFinalizer = "orphan";

    protected override void OnHandlerFailed(WatchEvent e, Exception error) => LogFailure(e.StorageKey, e.Namespace, e.Name, error.Message);

    protected override async Task HandleAsync(WatchEvent e, CancellationToken ct)
    {
        if (e.Type == WatchEvent.Deleted)
        {
            var uid = Uid(e.Object);
            await ReleaseDependentsAsync(uid, e.Namespace, ct);
            foreach (var owner in OwnerUids(e.Object))
            {
                if (FindByUid(owner) is { } ownerEntry)
                    await CheckOwnerAsync(ownerEntry.Type, ownerEntry.Object, ct);
            }
            if (e.Namespace.Length > 0 && Service.Store.Get("namespaces", "", e.Namespace) is { } ns && ns["metadata"]?["deletionTimestamp"] is not null)
                await CheckOwnerAsync(Service.Registry.Find("", "v1", "namespaces")!, ns, ct);
            return;
        }
        var type = Service.Registry.FindByStorageKey(e.StorageKey);
        // A dependent created after its owner vanished (a controller racing the deletion) has a
        // dangling owner reference; like the real collector, treat it as if the owner had just gone.
        var dangling = OwnerUids(e.Object).Where(u => !Service.Store.UidExists(u)).ToList();
        if (type is not null && dangling.Count > 0 && e.Object["metadata"]?["deletionTimestamp"] is null)
        {
            if (dangling.Count == OwnerUids(e.Object).Count)
                await DeleteAsync(type, e.Object, "Background", ct);
            else
                await RemoveOwnerReferencesAsync(type, e.Object, dangling, ct);
            return;
        }
        if (e.Object["metadata"]?["deletionTimestamp"] is null)
            return;
        if (type is not null)
            await CheckOwnerAsync(type, e.Object, ct);
    }

    /// <summary>Progresses a terminating object that waits on GC-owned finalizers.</summary>
    private async Task CheckOwnerAsync(ResourceType type, JsonObject obj, CancellationToken ct)
    {
        if (obj["metadata"]?["deletionTimestamp"] is null)
            return;
        var finalizers = Finalizers(obj);
        var ns = obj["metadata"]?["namespace"]?.GetValue<string>() ?? "";
        var name = obj["metadata"]!["name"]!.GetValue<string>();
        var uid = Uid(obj);

        if (finalizers.Contains(OrphanFinalizer))
        {
            foreach (var (depType, dependent) in Dependents(uid))
                await RemoveOwnerReferenceAsync(depType, dependent, uid, ct);
            await Service.RemoveFinalizerAsync(type, ns, name, OrphanFinalizer, ct);
            return;
        }
        if (finalizers.Contains(ForegroundFinalizer))
        {
            var dependents = Dependents(uid);
            foreach (var (depType, dependent) in dependents.Where(d => d.Object["metadata"]?["deletionTimestamp"] is null))
                await DeleteAsync(depType, dependent, "Foreground", ct);
            // Only dependents that block owner deletion hold the owner back.
            var blocking = Dependents(uid).Where(d => BlocksOwner(d.Object, uid)).ToList();
            if (blocking.Count == 0)
                await Service.RemoveFinalizerAsync(type, ns, name, ForegroundFinalizer, ct);
            return;
        }
        if (type.Group.Length == 0 && type.Plural == "namespaces" && finalizers.Contains(ResourceService.NamespaceFinalizer))
        {
            var remaining = 0;
            foreach (var t in Service.Registry.All.Where(t => t.Namespaced).DistinctBy(t => t.StorageKey))
            {
                var (items, _) = Service.Store.List(t.StorageKey, name);
                remaining += items.Count;
                foreach (var item in items.Where(i => i["metadata"]?["deletionTimestamp"] is null))
                    await DeleteAsync(t, item, "Background", ct);
            }
            if (remaining == 0)
                await Service.RemoveFinalizerAsync(type, "", name, ResourceService.NamespaceFinalizer, ct);
        }
    }

    private async Task ReleaseDependentsAsync(string uid, string ownerNamespace, CancellationToken ct)
    {
        if (uid.Length == 0)
            return;
        foreach (var (type, dependent) in Dependents(uid))
        {
            var otherOwners = OwnerUids(dependent).Where(u => u != uid && Service.Store.UidExists(u)).ToList();
            if (otherOwners.Count > 0)
                await RemoveOwnerReferenceAsync(type, dependent, uid, ct);
            else if (dependent["metadata"]?["deletionTimestamp"] is null)
                await DeleteAsync(type, dependent, "Background", ct);
        }
    }

    private async Task DeleteAsync(ResourceType type, JsonObject obj, string policy, CancellationToken ct)
    {
        try
        {
            await Service.DeleteAsync(type, obj["metadata"]?["namespace"]?.GetValue<string>() ?? "", obj["metadata"]!["name"]!.GetValue<string>(),
                new JsonObject { ["propagationPolicy"] = policy }, RequestContext.Internal("generic-garbage-collector"), ct);
        }
        catch (ApiException e) when (e.Code == 404)
        {
        }
    }

    private Task RemoveOwnerReferenceAsync(ResourceType type, JsonObject dependent, string ownerUid, CancellationToken ct) =>
        RemoveOwnerReferencesAsync(type, dependent, [ownerUid], ct);

    private async Task RemoveOwnerReferencesAsync(ResourceType type, JsonObject dependent, IReadOnlyCollection<string> ownerUids, CancellationToken ct)
    {
        var refs = dependent["metadata"]?["ownerReferences"] as JsonArray ?? [];
        var kept = new JsonArray([.. refs.Where(r => !ownerUids.Contains(r?["uid"]?.GetValue<string>() ?? "")).Select(r => r?.DeepClone())]);
        var patch = new JsonObject { ["metadata"] = new JsonObject { ["ownerReferences"] = kept.Count == 0 ? null : kept } };
        try
        {
            await Service.PatchAsync(type, dependent["metadata"]?["namespace"]?.GetValue<string>() ?? "", dependent["metadata"]!["name"]!.GetValue<string>(),
                "application/merge-patch+json", patch.ToJsonString(), "", RequestContext.Internal("generic-garbage-collector"), ct);
        }
        catch (ApiException e) when (e.Code == 404)
        {
        }
    }

    private List<(ResourceType Type, JsonObject Object)> Dependents(string uid)
    {
        var result = new List<(ResourceType, JsonObject)>();
        foreach (var (key, obj) in Service.Store.Where(o => OwnerUids(o).Contains(uid)))
        {
            if (Service.Registry.FindByStorageKey(key) is { } type)
                result.Add((type, obj));
        }
        return result;
    }

    private (ResourceType Type, JsonObject Object)? FindByUid(string uid)
    {
        foreach (var (key, obj) in Service.Store.Where(o => Uid(o) == uid))
        {
            if (Service.Registry.FindByStorageKey(key) is { } type)
                return (type, obj);
        }
        return null;
    }

    private static bool BlocksOwner(JsonObject dependent, string ownerUid) =>
        (dependent["metadata"]?["ownerReferences"] as JsonArray ?? [])
            .Any(r => r?["uid"]?.GetValue<string>() == ownerUid && JsonNumbers.IsTrue(r?["blockOwnerDeletion"]));

    private static string Uid(JsonObject obj) => obj["metadata"]?["uid"]?.GetValue<string>() ?? "";

    private static List<string> OwnerUids(JsonObject obj) =>
        [.. (obj["metadata"]?["ownerReferences"] as JsonArray ?? []).Select(r => r?["uid"]?.GetValue<string>() ?? "").Where(u => u.Length > 0)];

    private static List<string> Finalizers(JsonObject obj) =>
        [.. (obj["metadata"]?["finalizers"] as JsonArray ?? []).Select(f => f?.GetValue<string>() ?? "")];

    [LoggerMessage(Level = LogLevel.Warning, Message = "garbage collection of {StorageKey} {Namespace}/{Name} failed: {Message}")]
    private partial void LogFailure(string storageKey, string @namespace, string name, string message);
}
