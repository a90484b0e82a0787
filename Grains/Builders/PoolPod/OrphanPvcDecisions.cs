namespace MultigresOrleans.Grains.Builders.PoolPods;

using System.Globalization;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Kubernetes.Models;

/// <summary>What to do with the data PVC of a retired pod.</summary>
public enum PvcCleanupKind
{
    /// <summary>Keep the PVC untouched (rolling update or repair: the pod comes back at the same index).</summary>
    Keep,

    /// <summary>The PVC is already gone, or the pod's index or cell cannot be read: nothing to do.</summary>
    Nothing,

    /// <summary>Label it <c>multigres.com/orphan-since</c> and drop the Shard owner reference; <c>multigres-gc</c> deletes it later.</summary>
    MarkOrphan,

    /// <summary>Delete it now.</summary>
    Delete,
}

/// <summary>
/// The decision for one PVC. For <see cref="PvcCleanupKind.MarkOrphan"/>, <see cref="OrphanSince"/> is the label value
/// to write (the existing one when already present) and <see cref="OwnerReferences"/> the PVC's owner references
/// without the Shard's, both to go into one merge patch.
/// </summary>
public sealed record PvcCleanupDecision(PvcCleanupKind Kind, string? PvcName, string? OrphanSince = null, IReadOnlyList<OwnerReference>? OwnerReferences = null);

/// <summary>
/// <c>cleanupDrainedPod</c> / <c>cleanupPodPVC</c> of spec §6.6.4 and the <c>whenScaled</c> rule of §6.7, as pure decisions.
/// </summary>
/// <remarks>
/// A scaled-away PVC is not always deleted at once: while fewer than three live PVCs would remain in the pool and cell,
/// it is only marked orphan, so the data of a recently removed replica survives a hasty scale-down (and a scale-up
/// re-adopts it by name) until <c>multigres-gc</c> deletes it after the retention period. The orphan label's first
/// timestamp is kept because the retention is measured from when the PVC was first abandoned. The owner reference is
/// removed so deleting the Shard cannot cascade into a PVC the garbage collector is supposed to time out.
/// </remarks>
public static class OrphanPvcDecisions
{
    /// <summary>A pool+cell keeps at least this many live PVCs before retired ones are deleted instead of orphaned.</summary>
    public const int MinimumLivePvcs = 3;

    /// <summary>Whether the PVC carries <c>multigres.com/orphan-since</c>.</summary>
    public static bool IsOrphan(PersistentVolumeClaim pvc)
    {
        ArgumentNullException.ThrowIfNull(pvc);
        return pvc.Metadata.Labels?.ContainsKey(LabelKeys.OrphanSince) == true;
    }

    /// <summary>The orphan-since label value: UTC, RFC 3339 with <c>-</c> for <c>:</c> (label values cannot hold colons), e.g. <c>2026-08-21T02-00-00Z</c>.</summary>
    public static string FormatOrphanSince(DateTimeOffset time) =>
        time.UtcDateTime.ToString(LabelValues.OrphanSinceFormat, CultureInfo.InvariantCulture);

    /// <summary>Reads an orphan-since label value back; false when it is not in the label format.</summary>
    public static bool TryParseOrphanSince(string value, out DateTimeOffset time) =>
        DateTimeOffset.TryParseExact(value, LabelValues.OrphanSinceFormat, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time);

    /// <summary>
    /// <c>cleanupDrainedPod</c>'s first question: does the retired pod's PVC go through the orphan-or-delete step? Always
    /// for a DRAINED pod (its data is known bad); otherwise only when <c>whenScaled</c> (default Delete) is Delete and the
    /// pod's index is at or beyond the user-desired replicas (a real scale-down, not a rollout or repair).
    /// </summary>
    public static bool ShouldCleanUpPvc(Pod pod, int desiredReplicas, PVCDeletionPolicy? effectivePolicy)
    {
        ArgumentNullException.ThrowIfNull(pod);
        if (pod.Metadata.Labels is { } labels && labels.TryGetValue(LabelKeys.Role, out var role) && role == LabelValues.RoleDrained)
            return true;
        var whenScaled = effectivePolicy?.WhenScaled ?? PVCRetentionPolicyType.Delete;
        return whenScaled == PVCRetentionPolicyType.Delete
            && PoolScaleDecisions.PodIndex(pod.Metadata.Name ?? "") is { } index
            && index >= desiredReplicas;
    }

    /// <summary>
    /// The data PVC name of a retired pod, from its index and its own <c>multigres.com/cell</c> label; null when either
    /// cannot be read (the PVC is then left alone).
    /// </summary>
    public static string? PvcNameForPod(Shard shard, string pool, Pod pod)
    {
        ArgumentNullException.ThrowIfNull(shard);
        ArgumentNullException.ThrowIfNull(pod);
        if (PoolScaleDecisions.PodIndex(pod.Metadata.Name ?? "") is not { } index)
            return null;
        if (pod.Metadata.Labels is not { } labels || !labels.TryGetValue(LabelKeys.Cell, out var cell) || cell.Length == 0)
            return null;
        return PoolPodMetadata.DataPvcName(shard, pool, cell, index);
    }

    /// <summary>
    /// <c>cleanupPodPVC</c>: orphan <paramref name="pvcName"/> when fewer than <see cref="MinimumLivePvcs"/> live PVCs of
    /// the pool+cell would remain without it, else delete it. <paramref name="poolCellPvcs"/> are all PVCs of that pool
    /// and cell (listed by the pool selector), this one included.
    /// </summary>
    public static PvcCleanupDecision CleanupPodPvc(string? pvcName, IReadOnlyCollection<PersistentVolumeClaim> poolCellPvcs, string shardUid, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(poolCellPvcs);
        if (pvcName is null)
            return new PvcCleanupDecision(PvcCleanupKind.Nothing, null);
        var pvc = poolCellPvcs.FirstOrDefault(p => p.Metadata.Name == pvcName);
        if (pvc is null)
            return new PvcCleanupDecision(PvcCleanupKind.Nothing, pvcName);

        var liveCount = poolCellPvcs.Count(p => !IsOrphan(p));
        if (liveCount - 1 >= MinimumLivePvcs)
            return new PvcCleanupDecision(PvcCleanupKind.Delete, pvcName);

        var since = pvc.Metadata.Labels is { } labels && labels.TryGetValue(LabelKeys.OrphanSince, out var existing) && existing.Length > 0
            ? existing
            : FormatOrphanSince(now);
        var owners = (pvc.Metadata.OwnerReferences ?? []).Where(o => o.Uid != shardUid).ToList();
        return new PvcCleanupDecision(PvcCleanupKind.MarkOrphan, pvcName, since, owners);
    }

    /// <summary>
    /// The full decision for a pod leaving through <c>ready-for-deletion</c>: <see cref="PvcCleanupKind.Keep"/> when its
    /// PVC stays with the index, else <see cref="CleanupPodPvc"/>.
    /// </summary>
    public static PvcCleanupDecision DecideForRetiredPod(
        Shard shard, string pool, PoolSpec poolSpec, Pod pod, IReadOnlyCollection<PersistentVolumeClaim> poolCellPvcs, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(shard);
        ArgumentNullException.ThrowIfNull(poolSpec);
        ArgumentNullException.ThrowIfNull(pod);
        var policy = PoolDataPvcBuilder.EffectivePolicy(shard, poolSpec);
        if (!ShouldCleanUpPvc(pod, PoolScaleDecisions.DesiredReplicas(poolSpec), policy))
            return new PvcCleanupDecision(PvcCleanupKind.Keep, PvcNameForPod(shard, pool, pod));
        var shardUid = shard.Metadata.Uid ?? throw new ArgumentException("the Shard has no metadata.uid", nameof(shard));
        return CleanupPodPvc(PvcNameForPod(shard, pool, pod), poolCellPvcs, shardUid, now);
    }
}
