namespace MultigresOrleans.Grains.Builders.TopoServers;

using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Builders.Statuses;
using MultigresOrleans.Kubernetes.Models;

/// <summary>The guard's verdict for one reconcile.</summary>
/// <param name="Condition">The <c>StorageClassValid</c> condition to write (field manager <see cref="StorageClassGuard.FieldManager"/>).</param>
/// <param name="BlockApply">True when the StatefulSet must not be applied this pass (requeue after <see cref="StorageClassGuard.MissingRequeue"/>).</param>
/// <param name="WarningEventMessage">Message of the Warning <c>StorageClassNotFound</c> event, or null when none is due.</param>
/// <param name="WriteNeeded">False when the TopoServer already carries a condition with the same facts, so the status write is skipped.</param>
public sealed record StorageClassGuardDecision(Condition Condition, bool BlockApply, string? WarningEventMessage, bool WriteNeeded);

/// <summary>
/// The etcd StorageClass guard (spec §6.4 step 1). A StatefulSet whose claim template names a StorageClass that does not
/// exist leaves its pods Pending forever with the reason buried in PVC events; checking first turns that into a
/// condition and a Warning on the TopoServer the user is looking at. The decision is pure: the caller looks the
/// StorageClass up and passes whether it exists.
/// </summary>
public static class StorageClassGuard
{
    public const string ConditionType = "StorageClassValid";
    public const string ReasonNotFound = "StorageClassNotFound";
    public const string ReasonFound = "StorageClassFound";
    public const string ReasonNotSpecified = "StorageClassNotSpecified";
    public const string MessageNotSpecified = "No explicit etcd StorageClass configured; using cluster default";

    /// <summary>Field manager of the condition, kept apart from the main status writer so neither strips the other's fields.</summary>
    public const string FieldManager = "multigres-operator-guard";

    /// <summary>Reason of the Warning event emitted while the StorageClass is missing.</summary>
    public const string EventReason = ReasonNotFound;

    public static readonly TimeSpan MissingRequeue = TimeSpan.FromSeconds(10);

    /// <summary>The StorageClass the etcd claims ask for, or null when none is set (the cluster default applies).</summary>
    public static string? RequestedClass(TopoServer topoServer)
    {
        ArgumentNullException.ThrowIfNull(topoServer);
        return string.IsNullOrEmpty(topoServer.Spec.Etcd?.Storage?.Class) ? null : topoServer.Spec.Etcd.Storage.Class;
    }

    /// <summary>
    /// Decides the condition. <paramref name="storageClassExists"/> is ignored when no class is requested (then nothing
    /// needs looking up).
    /// </summary>
    public static StorageClassGuardDecision Decide(TopoServer topoServer, bool storageClassExists, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(topoServer);
        var generation = topoServer.Metadata.Generation ?? 0;
        var storageClass = RequestedClass(topoServer);
        Condition condition;
        string? warning = null;
        if (storageClass is null)
        {
            condition = ConditionSet.Make(ConditionType, true, ReasonNotSpecified, MessageNotSpecified, generation, now);
        }
        else if (storageClassExists)
        {
            condition = ConditionSet.Make(ConditionType, true, ReasonFound, $"StorageClass \"{storageClass}\" found for etcd PVCs", generation, now);
        }
        else
        {
            warning = $"StorageClass \"{storageClass}\" not found for etcd PVCs";
            condition = ConditionSet.Make(ConditionType, false, ReasonNotFound, warning, generation, now);
        }

        var existing = ConditionSet.Find(topoServer.Status?.Conditions, ConditionType);
        if (existing is not null && existing.Status == condition.Status)
            condition = condition with { LastTransitionTime = existing.LastTransitionTime };
        return new StorageClassGuardDecision(condition, BlockApply: warning is not null, warning, WriteNeeded: !ConditionSet.SameFacts(existing, condition));
    }
}
