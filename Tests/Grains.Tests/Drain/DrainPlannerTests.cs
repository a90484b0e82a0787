using MultigresOrleans.Grains.Drain;

namespace MultigresOrleans.Grains.Tests.Drain;

/// <summary>
/// The planner's choices for one pool+cell (spec §6.6.4 Phases 2–3, §6.10, upstream #620), one row per rule. Pods are
/// written as compact strings so a row reads like the situation it describes.
/// </summary>
public sealed class DrainPlannerTests
{
    /// <summary>
    /// "pod-3:PrN" = pod-3, flags P(rimary), r(eady, lower-case means not ready is written as 'n'), D(rifted),
    /// Q(uarantined), X (deleting), and an optional "=state" drain annotation. Index is the numeric suffix, if any.
    /// </summary>
    private static PoolPod Pod(string spec)
    {
        var (head, state) = spec.Split('=') is [var h, var s] ? (h, DrainStates.Parse(s)) : (spec, null);
        var (name, flags) = head.Split(':') is [var n, var f] ? (n, f) : (head, "");
        var suffix = name[(name.LastIndexOf('-') + 1)..];
        int? index = int.TryParse(suffix, System.Globalization.CultureInfo.InvariantCulture, out var i) ? i : null;
        return new PoolPod(name, index, flags.Contains('P'), !flags.Contains('n'), flags.Contains('D'), state,
            Deleting: flags.Contains('X'), Quarantined: flags.Contains('Q'));
    }

    public sealed record Row(
        string[] Pods, int Desired, bool ShardHealthy,
        string? Expected, DrainTrigger Trigger, PlanWait Wait,
        string? EventReason = null, string? EventMessage = null);

    private static readonly Dictionary<string, Row> Rows = new()
    {
        ["nothing extra, nothing drifted"] = new(["pod-0:P", "pod-1", "pod-2"], 3, true, null, DrainTrigger.None, PlanWait.NothingToDo),
        ["a drain annotation blocks a new drain"] = new(["pod-0:P", "pod-1:D=draining", "pod-2:D"], 3, true, null, DrainTrigger.None, PlanWait.DrainInProgress),
        ["a ready-for-deletion pod not yet deleted blocks a new drain"] = new(["pod-0:P", "pod-1=ready-for-deletion", "pod-2:D", "pod-3"], 3, true,
            null, DrainTrigger.None, PlanWait.DrainInProgress),
        ["a terminating pod blocks a new drain"] = new(["pod-0:P", "pod-1:X", "pod-2:D"], 3, true, null, DrainTrigger.None, PlanWait.DrainInProgress),

        ["scale-down takes the highest index"] = new(["pod-0:P", "pod-1", "pod-2", "pod-3"], 2, true, "pod-3", DrainTrigger.ScaleDown, PlanWait.None,
            "DrainStarted", "Initiated drain for extra pod pod-3"),
        ["scale-down prefers a non-ready extra pod"] = new(["pod-0:P", "pod-1:n", "pod-2"], 1, true, "pod-1", DrainTrigger.ScaleDown, PlanWait.None),
        ["scale-down prefers a replica to the primary"] = new(["pod-0", "pod-1", "pod-2:P"], 1, true, "pod-1", DrainTrigger.ScaleDown, PlanWait.None),
        ["scale-down takes the primary when it is the only extra pod"] = new(["pod-0", "pod-1:P"], 1, true, "pod-1", DrainTrigger.ScaleDown, PlanWait.None,
            "DrainStarted"),
        ["scale-down defers the primary while a drifted replica remains"] = new(["pod-0:D", "pod-1:P"], 1, true, "pod-0",
            DrainTrigger.RollingUpdateReplica, PlanWait.None, "PodUpdated", "Initiated drain for drifted replica pod pod-0"),
        ["scale-down blocked by a non-ready pod that stays"] = new(["pod-0:P", "pod-1:n", "pod-2"], 2, true, null, DrainTrigger.None, PlanWait.PoolNotReady,
            "ScaleDownBlocked", "Deferring scale-down of 1 extra pod(s): pool has non-ready pods"),
        ["scale-down blocked while the shard is unhealthy"] = new(["pod-0:P", "pod-1", "pod-2", "pod-3"], 2, false, null, DrainTrigger.None,
            PlanWait.ShardUnhealthy, "ScaleDownBlocked", "Deferring scale-down of 2 extra pod(s): shard has non-ready pods"),
        ["a non-ready extra pod does not block its own removal"] = new(["pod-0:P", "pod-1", "pod-2:n"], 2, true, "pod-2", DrainTrigger.ScaleDown, PlanWait.None),
        ["a quarantined pod that stays does not block scale-down"] = new(["pod-0:P", "pod-1:nQ", "pod-2"], 2, true, "pod-2", DrainTrigger.ScaleDown, PlanWait.None),
        ["a pod with an unparseable index is extra"] = new(["pod-0:P", "pod-x"], 1, true, "pod-x", DrainTrigger.ScaleDown, PlanWait.None),
        ["scale-down to zero drains replicas first"] = new(["pod-0:P", "pod-1"], 0, true, "pod-1", DrainTrigger.ScaleDown, PlanWait.None),
        ["scale-down comes before a rolling update"] = new(["pod-0:PD", "pod-1:D", "pod-2"], 2, true, "pod-2", DrainTrigger.ScaleDown, PlanWait.None),
        ["scale-down blocked by an unready drifted pod falls through to replacing it"] = new(["pod-0:P", "pod-1:nD", "pod-2"], 2, true,
            "pod-1", DrainTrigger.RollingUpdateReplica, PlanWait.None, "PodUpdated"),

        ["rolling update takes the first drifted replica by name"] = new(["pod-0:D", "pod-1:PD", "pod-2:D"], 3, true, "pod-0",
            DrainTrigger.RollingUpdateReplica, PlanWait.None, "PodUpdated", "Initiated drain for drifted replica pod pod-0"),
        ["rolling update orders names ordinally like the reference"] = new(["pod-2:D", "pod-10:D", "pod-0:P"], 11, true, "pod-10",
            DrainTrigger.RollingUpdateReplica, PlanWait.None),
        ["rolling update takes the primary last"] = new(["pod-0", "pod-1:PD", "pod-2"], 3, true, "pod-1", DrainTrigger.RollingUpdatePrimary, PlanWait.None,
            "RollingUpdateStarted", "Initiating primary switchover for rolling update of pod pod-1"),
        ["rolling update waits for the shard"] = new(["pod-0:D", "pod-1:P", "pod-2"], 3, false, null, DrainTrigger.None, PlanWait.ShardUnhealthy),
        ["rolling update waits for another non-ready pod of the pool"] = new(["pod-0:D", "pod-1:P", "pod-2:n"], 3, true, null, DrainTrigger.None, PlanWait.PoolNotReady),
        ["rolling update may replace a drifted pod that is itself not ready"] = new(["pod-0:nD", "pod-1:P", "pod-2"], 3, true, "pod-0",
            DrainTrigger.RollingUpdateReplica, PlanWait.None),
        ["the primary waits for a non-ready replica"] = new(["pod-0:n", "pod-1:PD", "pod-2"], 3, true, null, DrainTrigger.None, PlanWait.PoolNotReady),
        ["a quarantined pod does not block a rolling update"] = new(["pod-0:nQ", "pod-1:PD", "pod-2"], 3, true, "pod-1", DrainTrigger.RollingUpdatePrimary, PlanWait.None),
    };

    public static TheoryData<string> RowNames => [.. Rows.Keys];

    [Theory]
    [MemberData(nameof(RowNames))]
    public void Planner_table(string name)
    {
        var row = Rows[name];
        var plan = DrainPlanner.Plan(new PoolDrainInput([.. row.Pods.Select(Pod)], row.Desired, row.ShardHealthy));

        Assert.Equal(row.Expected, plan.PodToDrain);
        Assert.Equal(row.Trigger, plan.Trigger);
        Assert.Equal(row.Wait, plan.Wait);
        // Rows that start a drain need not spell out the reason: it follows from the trigger (spec §6.6.4).
        var expectedReason = row.EventReason ?? row.Trigger switch
        {
            DrainTrigger.ScaleDown => DrainEventReasons.DrainStarted,
            DrainTrigger.RollingUpdateReplica => DrainEventReasons.PodUpdated,
            DrainTrigger.RollingUpdatePrimary => DrainEventReasons.RollingUpdateStarted,
            _ => null,
        };
        Assert.Equal(expectedReason, plan.Event?.Reason);
        if (row.EventMessage is not null) Assert.Equal(row.EventMessage, plan.Event?.Message);
        if (plan.Event is { } e)
        {
            Assert.Equal(e.Reason == DrainEventReasons.ScaleDownBlocked ? DrainEvent.Warning : DrainEvent.Normal, e.Type);
        }
    }

    [Fact]
    public void Pod_order_in_the_input_does_not_matter()
    {
        string[] pods = ["pod-0:D", "pod-1:PD", "pod-2:D", "pod-3", "pod-4:n"];
        var expected = DrainPlanner.Plan(new PoolDrainInput([.. pods.Select(Pod)], 4, true));
        var random = new Random(7);
        for (var i = 0; i < 50; i++)
        {
            var shuffled = pods.Select(Pod).OrderBy(_ => random.Next()).ToList();
            Assert.Equal(expected, DrainPlanner.Plan(new PoolDrainInput(shuffled, 4, true)));
        }
        Assert.Equal("pod-4", expected.PodToDrain);
    }

    [Fact]
    public void The_primary_waits_for_drifted_replicas_in_other_cells_of_the_shard()
    {
        // One pod per cell, as in the EKS guide: this cell's only pod is the drifted primary.
        var waiting = DrainPlanner.Plan(new PoolDrainInput([Pod("pod-0:PD")], 1, true, DriftedReplicasElsewhere: true));
        var alone = DrainPlanner.Plan(new PoolDrainInput([Pod("pod-0:PD")], 1, true, DriftedReplicasElsewhere: false));

        Assert.Null(waiting.PodToDrain);
        Assert.Equal(PlanWait.ReplicasFirst, waiting.Wait);
        Assert.Equal("pod-0", alone.PodToDrain);
        Assert.Equal(DrainTrigger.RollingUpdatePrimary, alone.Trigger);
    }

    [Fact]
    public void A_primary_scale_down_candidate_also_waits_for_drifted_replicas_elsewhere()
    {
        // Scaling to zero in this cell leaves only the primary as the candidate.
        var plan = DrainPlanner.Plan(new PoolDrainInput([Pod("pod-0:P")], 0, true, DriftedReplicasElsewhere: true));

        Assert.Null(plan.PodToDrain);
    }
}
