namespace MultigresOrleans.Grains.Builders.Statuses;

using System.Globalization;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Kubernetes.Models;

/// <summary>
/// TableGroup status (spec §11.3). Only Shards applied in this reconcile count, and only once their own controller has
/// observed the generation that apply produced: otherwise a Shard whose spec was just changed would still report the
/// Healthy phase of its previous spec and the TableGroup would claim readiness it does not have.
/// </summary>
public static class TableGroupStatusBuilder
{
    public const string AvailableReasonShardsReady = "ShardsReady";
    public const string AvailableReasonShardDegraded = "ShardDegraded";
    public const string AvailableReasonShardsNotReady = "ShardsNotReady";
    public const string AvailableReasonNoShards = "NoShards";
    public const string AvailableReasonCleanupPending = "CleanupPending";

    public const string MessageDegraded = "At least one shard is degraded";
    public const string MessageCleanupPending = "Waiting for shard cleanup to finish";
    public const string MessageNoShards = "No Shards";
    public const string MessageReady = "Ready";

    /// <summary>
    /// Computes the whole status to write.
    /// </summary>
    /// <param name="tableGroup">The TableGroup; its generation and existing conditions (for transition times) are read.</param>
    /// <param name="observedShards">The child Shards listed once at step 4, with their observed status.</param>
    /// <param name="appliedGenerations">Shard name → <c>metadata.generation</c> returned by this reconcile's apply (step 5); children not in it are ignored.</param>
    /// <param name="cleanupPending">Whether step 5 or 6 left anything pending (a same-named child still leaving, or an orphan not yet deleted).</param>
    /// <param name="now">Transition time for conditions whose status changes.</param>
    public static TableGroupStatus Compute(
        TableGroup tableGroup,
        IEnumerable<Shard> observedShards,
        IReadOnlyDictionary<string, long> appliedGenerations,
        bool cleanupPending,
        DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(tableGroup);
        ArgumentNullException.ThrowIfNull(observedShards);
        ArgumentNullException.ThrowIfNull(appliedGenerations);

        var total = tableGroup.Spec.Shards.Count;
        var ready = 0;
        var anyDegraded = false;
        foreach (var shard in observedShards)
        {
            if (shard.Metadata.Name is not { } name || !appliedGenerations.TryGetValue(name, out var applied))
                continue;
            if ((shard.Status?.ObservedGeneration ?? 0) != applied)
                continue;
            switch (shard.Status?.Phase)
            {
                case Phase.Healthy:
                    ready++;
                    break;
                case Phase.Degraded:
                    anyDegraded = true;
                    break;
            }
        }

        var readyText = string.Create(CultureInfo.InvariantCulture, $"{ready}/{total} shards ready");
        var (phase, message) = true switch
        {
            _ when anyDegraded => (Phase.Degraded, MessageDegraded),
            _ when cleanupPending => (Phase.Progressing, MessageCleanupPending),
            _ when total == 0 => (Phase.Initializing, MessageNoShards),
            _ when ready == total => (Phase.Healthy, MessageReady),
            _ => (Phase.Progressing, readyText),
        };

        // The condition is derived from the phase first and then refined, in the reference's order, so that an empty
        // TableGroup reads as available and a cleanup in progress says so instead of a misleading "n/n shards ready".
        var (available, reason, conditionMessage) = phase switch
        {
            Phase.Healthy => (true, AvailableReasonShardsReady, readyText),
            Phase.Degraded => (false, AvailableReasonShardDegraded, message),
            _ => (false, AvailableReasonShardsNotReady, readyText),
        };
        if (total == 0 && !cleanupPending)
            (available, reason, conditionMessage) = (true, AvailableReasonNoShards, message);
        if (cleanupPending && phase == Phase.Progressing)
            (reason, conditionMessage) = (AvailableReasonCleanupPending, message);

        var generation = tableGroup.Metadata.Generation ?? 0;
        var condition = ConditionSet.Make(ConditionTypes.Available, available, reason, conditionMessage, generation, now);
        return new TableGroupStatus
        {
            ObservedGeneration = generation,
            Conditions = ConditionSet.Set(tableGroup.Status?.Conditions, condition),
            Phase = phase,
            Message = message,
            ReadyShards = ready,
            TotalShards = total,
        };
    }

    /// <summary>
    /// The <c>ReadyForDeletion=True</c> condition a TableGroup under pending deletion writes once every child Shard is
    /// ready for deletion (spec §6.2 step 2), merged into its existing conditions.
    /// </summary>
    public static List<Condition> ReadyForDeletion(TableGroup tableGroup, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(tableGroup);
        return ConditionSet.Set(
            tableGroup.Status?.Conditions,
            ConditionSet.Make(ConditionTypes.ReadyForDeletion, true, "AllShardsReady", "All child Shards are ready for deletion", tableGroup.Metadata.Generation ?? 0, now));
    }
}
