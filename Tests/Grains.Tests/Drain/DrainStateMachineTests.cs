using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Drain;
using MultigresOrleans.Grains.Topology.ClusterMetadata;

namespace MultigresOrleans.Grains.Tests.Drain;

/// <summary>
/// Every state of spec §6.9 against every condition a step looks at, as one table. Each row fixes the whole expected
/// result — next state, exact patch, event, wait, outcome and action — so any change of behaviour fails a named row.
/// </summary>
public sealed class DrainStateMachineTests
{
    internal static readonly DateTimeOffset Start = new(2026, 3, 5, 6, 7, 8, TimeSpan.Zero);
    internal const string StartText = "2026-03-05T06:07:08Z";

    internal static readonly PoolerFacts Replica = new(PoolerLifecycleStatus.LifecycleActive, PoolerServingStatus.Serving, RoutingRole.Replica);
    internal static readonly PoolerFacts Primary = new(PoolerLifecycleStatus.LifecycleActive, PoolerServingStatus.Serving, RoutingRole.Primary);

    /// <summary>A drain wanted for scale-down, one minute old, with a healthy data plane and this pod a replica.</summary>
    internal static DrainObservation Base() => new()
    {
        PodName = "pod-1",
        Now = Start.AddMinutes(1),
        RequestedAt = StartText,
        TopologyObserved = true,
        Pooler = Replica,
        AnotherPrimaryServing = true,
        WithinDesiredReplicas = false,
    };

    private const string S = AnnotationKeys.DrainState;
    private const string R = AnnotationKeys.DrainRequestedAt;

    /// <summary>One row: input state and observation, and the complete expected result.</summary>
    public sealed record Case(
        DrainState? State,
        Func<DrainObservation, DrainObservation> Observe,
        DrainState? Next,
        (string Key, string? Value)[] Patch,
        DrainOutcome Outcome,
        DrainWait Wait = DrainWait.None,
        DrainAction Action = DrainAction.None,
        string? EventReason = null,
        string? EventMessage = null);

    private static readonly Dictionary<string, Case> Cases = new()
    {
        // ---- no annotation / terminal ----
        ["none: nothing to do even when long past the timeout"] = new(null, o => o with { Now = Start.AddHours(1) }, null, [], DrainOutcome.None),
        ["ready-for-deletion: terminal, even when timed out and stale"] = new(DrainState.ReadyForDeletion,
            o => o with { Now = Start.AddHours(1), WithinDesiredReplicas = true }, DrainState.ReadyForDeletion, [], DrainOutcome.None),

        // ---- requested ----
        ["requested: topology observed -> draining"] = new(DrainState.Requested, o => o,
            DrainState.Draining, [(S, "draining")], DrainOutcome.Advanced),
        ["requested: the primary still advances (requested waits only for the topology)"] = new(DrainState.Requested,
            o => o with { Pooler = Primary, AnotherPrimaryServing = false }, DrainState.Draining, [(S, "draining")], DrainOutcome.Advanced),
        ["requested: no pooler record yet still advances"] = new(DrainState.Requested, o => o with { Pooler = null },
            DrainState.Draining, [(S, "draining")], DrainOutcome.Advanced),
        ["requested: topology unavailable -> waits"] = new(DrainState.Requested, o => o with { TopologyObserved = false },
            DrainState.Requested, [], DrainOutcome.None, DrainWait.TopologyUnavailable),
        ["requested: stale (in range, up to date) -> cancelled"] = new(DrainState.Requested, o => o with { WithinDesiredReplicas = true },
            null, [(S, null), (R, null)], DrainOutcome.Cancelled,
            EventReason: "DrainCancelled", EventMessage: "Cancelled stale drain on pod pod-1 (now within desired state)"),
        ["requested: stale wins over the timeout"] = new(DrainState.Requested,
            o => o with { WithinDesiredReplicas = true, Now = Start.AddMinutes(10) }, null, [(S, null), (R, null)], DrainOutcome.Cancelled,
            EventReason: "DrainCancelled"),
        ["requested: in range but drifted -> not stale"] = new(DrainState.Requested,
            o => o with { WithinDesiredReplicas = true, SpecDrifted = true }, DrainState.Draining, [(S, "draining")], DrainOutcome.Advanced),
        ["requested: in range but filesystem resize pending -> not stale (§16.26)"] = new(DrainState.Requested,
            o => o with { WithinDesiredReplicas = true, FilesystemResizePending = true }, DrainState.Draining, [(S, "draining")], DrainOutcome.Advanced),
        ["requested: in range but being deleted -> not stale"] = new(DrainState.Requested,
            o => o with { WithinDesiredReplicas = true, DeletionTimestamp = Start }, DrainState.Draining, [(S, "draining")], DrainOutcome.Advanced),
        ["requested: in range but shard pending deletion -> not stale"] = new(DrainState.Requested,
            o => o with { WithinDesiredReplicas = true, ShardPendingDeletion = true }, DrainState.Draining, [(S, "draining")], DrainOutcome.Advanced),
        ["requested: timed out while the topology is down -> ready-for-deletion"] = new(DrainState.Requested,
            o => o with { TopologyObserved = false, Now = Start.AddMinutes(5).AddSeconds(1) },
            DrainState.ReadyForDeletion, [(S, "ready-for-deletion")], DrainOutcome.TimedOut,
            EventReason: "DrainTimedOut", EventMessage: "Drain of pod pod-1 timed out after 5m0s in state requested; marking it ready for deletion"),
        ["requested: exactly at the timeout is not past it"] = new(DrainState.Requested,
            o => o with { TopologyObserved = false, Now = Start.AddMinutes(5) }, DrainState.Requested, [], DrainOutcome.None, DrainWait.TopologyUnavailable),
        ["requested: missing requested-at is stamped with now"] = new(DrainState.Requested, o => o with { RequestedAt = null },
            DrainState.Draining, [(S, "draining"), (R, "2026-03-05T06:08:08Z")], DrainOutcome.Advanced),
        ["requested: malformed requested-at is stamped even while waiting"] = new(DrainState.Requested,
            o => o with { RequestedAt = "yesterday", TopologyObserved = false }, DrainState.Requested, [(R, "2026-03-05T06:08:08Z")],
            DrainOutcome.None, DrainWait.TopologyUnavailable),
        ["requested: malformed requested-at falls back to the deletion timestamp"] = new(DrainState.Requested,
            o => o with { RequestedAt = "garbage", DeletionTimestamp = Start.AddMinutes(-6), TopologyObserved = false },
            DrainState.ReadyForDeletion, [(S, "ready-for-deletion")], DrainOutcome.TimedOut, EventReason: "DrainTimedOut"),
        ["requested: future requested-at is restamped with now and does not postpone the bound"] = new(DrainState.Requested,
            o => o with { RequestedAt = "2099-01-01T00:00:00Z", TopologyObserved = false }, DrainState.Requested, [(R, "2026-03-05T06:08:08Z")],
            DrainOutcome.None, DrainWait.TopologyUnavailable),
        ["requested: offset and fractional requested-at parse like Go RFC 3339"] = new(DrainState.Requested,
            o => o with { RequestedAt = "2026-03-05T08:01:00.5+02:00", TopologyObserved = false },
            DrainState.ReadyForDeletion, [(S, "ready-for-deletion")], DrainOutcome.TimedOut, EventReason: "DrainTimedOut"),

        // ---- draining ----
        ["draining: replica -> acknowledged"] = new(DrainState.Draining, o => o, DrainState.Acknowledged, [(S, "acknowledged")], DrainOutcome.Advanced),
        ["draining: no pooler record -> acknowledged"] = new(DrainState.Draining, o => o with { Pooler = null },
            DrainState.Acknowledged, [(S, "acknowledged")], DrainOutcome.Advanced),
        ["draining: active primary -> waits and asks for a switchover"] = new(DrainState.Draining, o => o with { Pooler = Primary },
            DrainState.Draining, [], DrainOutcome.None, DrainWait.PodIsPrimary, DrainAction.ResignPrimary),
        ["draining: primary with unknown lifecycle counts as live"] = new(DrainState.Draining,
            o => o with { Pooler = Primary with { Lifecycle = PoolerLifecycleStatus.LifecycleUnknown } },
            DrainState.Draining, [], DrainOutcome.None, DrainWait.PodIsPrimary, DrainAction.ResignPrimary),
        ["draining: primary being deleted -> waits without asking"] = new(DrainState.Draining,
            o => o with { Pooler = Primary, DeletionTimestamp = Start }, DrainState.Draining, [], DrainOutcome.None, DrainWait.PodIsPrimary),
        ["draining: primary STOPPING has given up -> acknowledged"] = new(DrainState.Draining,
            o => o with { Pooler = Primary with { Lifecycle = PoolerLifecycleStatus.LifecycleStopping, ServingStatus = PoolerServingStatus.Disabled } },
            DrainState.Acknowledged, [(S, "acknowledged")], DrainOutcome.Advanced),
        ["draining: SHUTDOWN record keeping routing PRIMARY -> acknowledged (§8.14)"] = new(DrainState.Draining,
            o => o with { Pooler = Primary with { Lifecycle = PoolerLifecycleStatus.LifecycleShutdown } },
            DrainState.Acknowledged, [(S, "acknowledged")], DrainOutcome.Advanced),
        ["draining: QUARANTINED primary -> acknowledged"] = new(DrainState.Draining,
            o => o with { Pooler = Primary with { Lifecycle = PoolerLifecycleStatus.LifecycleQuarantined } },
            DrainState.Acknowledged, [(S, "acknowledged")], DrainOutcome.Advanced),
        ["draining: topology unavailable -> waits"] = new(DrainState.Draining, o => o with { TopologyObserved = false },
            DrainState.Draining, [], DrainOutcome.None, DrainWait.TopologyUnavailable),
        ["draining: pending deletion needs no handover, topology or not"] = new(DrainState.Draining,
            o => o with { ShardPendingDeletion = true, Pooler = Primary, TopologyObserved = false },
            DrainState.Acknowledged, [(S, "acknowledged")], DrainOutcome.Advanced),
        ["draining: in range and up to date is never cancelled"] = new(DrainState.Draining, o => o with { WithinDesiredReplicas = true },
            DrainState.Acknowledged, [(S, "acknowledged")], DrainOutcome.Advanced),
        ["draining: timed out while still primary -> ready-for-deletion"] = new(DrainState.Draining,
            o => o with { Pooler = Primary, Now = Start.AddMinutes(6) }, DrainState.ReadyForDeletion, [(S, "ready-for-deletion")],
            DrainOutcome.TimedOut, EventReason: "DrainTimedOut", EventMessage: "Drain of pod pod-1 timed out after 5m0s in state draining; marking it ready for deletion"),

        // ---- acknowledged ----
        ["acknowledged: replica and another serving primary -> ready-for-deletion"] = new(DrainState.Acknowledged, o => o,
            DrainState.ReadyForDeletion, [(S, "ready-for-deletion")], DrainOutcome.Completed,
            EventReason: "DrainCompleted", EventMessage: "Pod pod-1 is ready for deletion"),
        ["acknowledged: no other serving primary -> waits"] = new(DrainState.Acknowledged, o => o with { AnotherPrimaryServing = false },
            DrainState.Acknowledged, [], DrainOutcome.None, DrainWait.NoOtherServingPrimary),
        ["acknowledged: re-elected primary -> waits and asks again"] = new(DrainState.Acknowledged, o => o with { Pooler = Primary },
            DrainState.Acknowledged, [], DrainOutcome.None, DrainWait.PodIsPrimary, DrainAction.ResignPrimary),
        ["acknowledged: topology unavailable -> waits"] = new(DrainState.Acknowledged, o => o with { TopologyObserved = false },
            DrainState.Acknowledged, [], DrainOutcome.None, DrainWait.TopologyUnavailable),
        ["acknowledged: being deleted, no primary elsewhere yet -> waits"] = new(DrainState.Acknowledged,
            o => o with { DeletionTimestamp = Start, Pooler = null, AnotherPrimaryServing = false },
            DrainState.Acknowledged, [], DrainOutcome.None, DrainWait.NoOtherServingPrimary),
        ["acknowledged: pending deletion completes without a primary or topology"] = new(DrainState.Acknowledged,
            o => o with { ShardPendingDeletion = true, TopologyObserved = false, AnotherPrimaryServing = false },
            DrainState.ReadyForDeletion, [(S, "ready-for-deletion")], DrainOutcome.Completed, EventReason: "DrainCompleted"),
        ["acknowledged: timed out without another primary -> ready-for-deletion"] = new(DrainState.Acknowledged,
            o => o with { AnotherPrimaryServing = false, Now = Start.AddMinutes(7) }, DrainState.ReadyForDeletion, [(S, "ready-for-deletion")],
            DrainOutcome.TimedOut, EventReason: "DrainTimedOut"),
        ["acknowledged: missing requested-at stamped on completion"] = new(DrainState.Acknowledged, o => o with { RequestedAt = null },
            DrainState.ReadyForDeletion, [(S, "ready-for-deletion"), (R, "2026-03-05T06:08:08Z")], DrainOutcome.Completed, EventReason: "DrainCompleted"),
    };

    public static TheoryData<string> CaseNames => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Transition_table(string name)
    {
        var row = Cases[name];
        var result = DrainStateMachine.Next(row.State, row.Observe(Base()), DrainSettings.Default);

        Assert.Equal(row.Next, result.State);
        var expectedPatch = row.Patch.OrderBy(p => p.Key, StringComparer.Ordinal).ToList();
        var actualPatch = result.AnnotationPatch.Select(p => (p.Key, p.Value)).OrderBy(p => p.Key, StringComparer.Ordinal).ToList();
        Assert.Equal(expectedPatch, actualPatch);
        Assert.Equal(row.Outcome, result.Outcome);
        Assert.Equal(row.Wait, result.Wait);
        Assert.Equal(row.Action, result.Action);
        Assert.Equal(row.EventReason, result.Event?.Reason);
        if (row.EventMessage is not null) Assert.Equal(row.EventMessage, result.Event?.Message);
        Assert.Equal(row.Wait != DrainWait.None, result.WaitMessage is not null);
    }

    [Fact]
    public void Event_types_follow_the_outcome()
    {
        var completed = DrainStateMachine.Next(DrainState.Acknowledged, Base(), DrainSettings.Default);
        var timedOut = DrainStateMachine.Next(DrainState.Draining, Base() with { Now = Start.AddMinutes(6) }, DrainSettings.Default);
        var cancelled = DrainStateMachine.Next(DrainState.Requested, Base() with { WithinDesiredReplicas = true }, DrainSettings.Default);

        Assert.Equal(DrainEvent.Normal, completed.Event?.Type);
        Assert.Equal(DrainEvent.Warning, timedOut.Event?.Type);
        Assert.Equal(DrainEvent.Normal, cancelled.Event?.Type);
        Assert.Equal("success", completed.MetricResult);
        Assert.Equal("timeout", timedOut.MetricResult);
        Assert.Null(cancelled.MetricResult);
    }

    [Fact]
    public void Requeue_is_the_progress_interval_after_a_step_and_nothing_when_idle()
    {
        var settings = DrainSettings.Default with { ProgressRequeue = TimeSpan.FromSeconds(3) };
        Assert.Equal(TimeSpan.FromSeconds(3), DrainStateMachine.Next(DrainState.Requested, Base(), settings).RequeueAfter);
        Assert.Equal(TimeSpan.FromSeconds(3), DrainStateMachine.Next(DrainState.Acknowledged, Base(), settings).RequeueAfter);
        Assert.Null(DrainStateMachine.Next(null, Base(), settings).RequeueAfter);
        Assert.Null(DrainStateMachine.Next(DrainState.ReadyForDeletion, Base(), settings).RequeueAfter);
        Assert.Null(DrainStateMachine.Next(DrainState.Requested, Base() with { WithinDesiredReplicas = true }, settings).RequeueAfter);
    }

    [Fact]
    public void A_wait_requeues_at_the_poll_interval_but_never_past_the_timeout()
    {
        var waiting = Base() with { TopologyObserved = false };
        var early = DrainStateMachine.Next(DrainState.Requested, waiting, DrainSettings.Default);
        var late = DrainStateMachine.Next(DrainState.Requested, waiting with { Now = Start.AddMinutes(5).AddSeconds(-2) }, DrainSettings.Default);

        Assert.Equal(TimeSpan.FromSeconds(5), early.RequeueAfter);
        Assert.Equal(TimeSpan.FromSeconds(3), late.RequeueAfter);

        // Looking again after that requeue is past the bound, so the drain ends then.
        var next = DrainStateMachine.Next(DrainState.Requested, waiting with { Now = Start.AddMinutes(5).AddSeconds(1) }, DrainSettings.Default);
        Assert.Equal(DrainOutcome.TimedOut, next.Outcome);
    }

    [Fact]
    public void The_timeout_setting_is_honoured()
    {
        var settings = DrainSettings.Default with { Timeout = TimeSpan.FromSeconds(30) };
        var observation = Base() with { TopologyObserved = false, Now = Start.AddSeconds(31) };
        var result = DrainStateMachine.Next(DrainState.Requested, observation, settings);

        Assert.Equal(DrainOutcome.TimedOut, result.Outcome);
        Assert.Equal("Drain of pod pod-1 timed out after 30s in state requested; marking it ready for deletion", result.Event?.Message);
        Assert.Equal(DrainOutcome.None, DrainStateMachine.Next(DrainState.Requested, observation with { Now = Start.AddSeconds(30) }, settings).Outcome);
    }

    [Fact]
    public void A_replica_drain_takes_three_passes_like_the_reference()
    {
        DrainState? state = DrainState.Requested;
        var seen = new List<DrainState?>();
        for (var pass = 0; pass < 5 && state != DrainState.ReadyForDeletion; pass++)
        {
            state = DrainStateMachine.Next(state, Base() with { Now = Start.AddSeconds(2 * pass) }, DrainSettings.Default).State;
            seen.Add(state);
        }

        Assert.Equal([DrainState.Draining, DrainState.Acknowledged, DrainState.ReadyForDeletion], seen);
    }

    [Fact]
    public void A_primary_drain_completes_after_the_switchover_is_observed()
    {
        var observation = Base() with { Pooler = Primary, AnotherPrimaryServing = false };
        var state = DrainStateMachine.Next(DrainState.Requested, observation, DrainSettings.Default).State;
        var stuck = DrainStateMachine.Next(state, observation with { Now = observation.Now.AddSeconds(30) }, DrainSettings.Default);
        Assert.Equal(DrainState.Draining, stuck.State);
        Assert.Equal(DrainAction.ResignPrimary, stuck.Action);

        // multiorch promoted another pooler: this one now routes as replica, the new one serves.
        var after = observation with { Now = observation.Now.AddSeconds(40), Pooler = Replica, AnotherPrimaryServing = true };
        var acknowledged = DrainStateMachine.Next(stuck.State, after, DrainSettings.Default);
        var done = DrainStateMachine.Next(acknowledged.State, after, DrainSettings.Default);

        Assert.Equal(DrainState.Acknowledged, acknowledged.State);
        Assert.Equal(DrainOutcome.Completed, done.Outcome);
        Assert.Equal(DrainState.ReadyForDeletion, done.State);
    }

    [Fact]
    public void Initiate_writes_requested_and_the_utc_start()
    {
        var patch = DrainStateMachine.Initiate(new DateTimeOffset(2026, 3, 5, 8, 7, 8, 900, TimeSpan.FromHours(2)));

        Assert.Equal(2, patch.Count);
        Assert.Equal("requested", patch[AnnotationKeys.DrainState]);
        Assert.Equal(StartText, patch[AnnotationKeys.DrainRequestedAt]);
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("", null)]
    [InlineData("requested", DrainState.Requested)]
    [InlineData("draining", DrainState.Draining)]
    [InlineData("acknowledged", DrainState.Acknowledged)]
    [InlineData("ready-for-deletion", DrainState.ReadyForDeletion)]
    [InlineData("Draining", DrainState.Requested)]
    [InlineData("bogus", DrainState.Requested)]
    public void Annotation_values_parse_and_unknown_ones_restart_as_requested(string? value, DrainState? expected)
    {
        Assert.Equal(expected, DrainStates.Parse(value));
        if (expected is { } state && value is "requested" or "draining" or "acknowledged" or "ready-for-deletion")
            Assert.Equal(value, state.ToAnnotationValue());
    }

    [Fact]
    public void State_is_read_from_pod_annotations()
    {
        Assert.Null(DrainStates.FromAnnotations(null));
        Assert.Null(DrainStates.FromAnnotations(new Dictionary<string, string> { ["other"] = "draining" }));
        Assert.Equal(DrainState.Acknowledged, DrainStates.FromAnnotations(new Dictionary<string, string> { [AnnotationKeys.DrainState] = "acknowledged" }));
    }

    [Theory]
    [InlineData("2026-03-05T06:07:08Z", true)]
    [InlineData("2026-03-05T08:07:08+02:00", true)]
    [InlineData("2026-03-05T06:07:08.25Z", true)]
    [InlineData("2026-03-05 06:07:08Z", false)]
    [InlineData("06:07:08", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Requested_at_parses_rfc3339(string? value, bool ok)
    {
        Assert.Equal(ok, DrainTimestamps.TryParse(value, out var instant));
        if (ok) Assert.Equal(Start, instant.AddTicks(-(instant.Ticks % TimeSpan.TicksPerSecond)));
    }

    [Fact]
    public void Pooler_facts_read_a_topology_record()
    {
        var record = new Multipooler
        {
            ServingStatus = PoolerServingStatus.Draining,
            LifecycleStatus = new PoolerLifecycle { Status = PoolerLifecycleStatus.LifecycleStopping },
            RoutingState = new RoutingState { Role = RoutingRole.Primary },
        };
        Assert.Equal(new PoolerFacts(PoolerLifecycleStatus.LifecycleStopping, PoolerServingStatus.Draining, RoutingRole.Primary), PoolerFacts.From(record));
        Assert.Equal(new PoolerFacts(PoolerLifecycleStatus.LifecycleUnknown, PoolerServingStatus.Serving, RoutingRole.Unknown), PoolerFacts.From(new Multipooler()));
    }

    [Theory]
    [InlineData(PoolerLifecycleStatus.LifecycleActive, PoolerServingStatus.Serving, RoutingRole.Primary, true, true)]
    [InlineData(PoolerLifecycleStatus.LifecycleUnknown, PoolerServingStatus.Serving, RoutingRole.Primary, true, true)]
    [InlineData(PoolerLifecycleStatus.LifecycleStarting, PoolerServingStatus.Disabled, RoutingRole.Primary, true, false)]
    [InlineData(PoolerLifecycleStatus.LifecycleActive, PoolerServingStatus.Draining, RoutingRole.Primary, true, false)]
    [InlineData(PoolerLifecycleStatus.LifecycleStopping, PoolerServingStatus.Disabled, RoutingRole.Primary, false, false)]
    [InlineData(PoolerLifecycleStatus.LifecycleShutdown, PoolerServingStatus.Serving, RoutingRole.Primary, false, false)]
    [InlineData(PoolerLifecycleStatus.LifecycleQuarantined, PoolerServingStatus.Serving, RoutingRole.Primary, false, false)]
    [InlineData(PoolerLifecycleStatus.LifecycleActive, PoolerServingStatus.Serving, RoutingRole.Replica, false, false)]
    [InlineData(PoolerLifecycleStatus.LifecycleActive, PoolerServingStatus.Serving, RoutingRole.Unknown, false, false)]
    public void Primary_predicates(PoolerLifecycleStatus lifecycle, PoolerServingStatus serving, RoutingRole role, bool holds, bool serves)
    {
        var facts = new PoolerFacts(lifecycle, serving, role);
        Assert.Equal(holds, facts.HoldsPrimary);
        Assert.Equal(serves, facts.IsServingPrimary);
    }
}
