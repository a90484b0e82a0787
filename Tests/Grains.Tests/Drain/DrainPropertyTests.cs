using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Drain;
using MultigresOrleans.Grains.Topology.ClusterMetadata;

namespace MultigresOrleans.Grains.Tests.Drain;

/// <summary>
/// Properties of the planner and the state machine together, over random event sequences of one pool+cell: a small
/// simulated shard (pods, readiness, spec drift, scaling, failovers, topology outages, corrupted annotations, a
/// multiorch that honours switchover requests only sometimes) driven by a seeded <see cref="Random"/>, so a failure
/// names the seed that reproduces it. Checked after every step:
/// <list type="bullet">
/// <item>at most one pod of the pool+cell carries a drain annotation;</item>
/// <item>the planner never picks the primary while a drifted replica remains;</item>
/// <item>a state only moves forward; only <c>requested</c> is cancelled; skipping states happens only on timeout;</item>
/// <item>a drain completes (not by timeout) only when its pod does not hold the primary and another pooler serves as primary;</item>
/// <item>no drain stays unfinished longer than the timeout after its (valid) requested-at;</item>
/// </list>
/// and at the end, after a quiet period with the world frozen in whatever state it was in, every drain ended
/// (ready-for-deletion by completion or timeout, or cancelled while still <c>requested</c>).
/// </summary>
public sealed class DrainPropertyTests
{
    private const int Sequences = 1_200;

    [Fact]
    public void Random_event_sequences_keep_the_drain_invariants()
    {
        var totals = new Totals();
        for (var seed = 0; seed < Sequences; seed++)
            new Simulation(seed, totals).Run();

        // The properties must not hold vacuously: the sequences have to exercise every ending and the primary rule.
        Assert.True(totals.Started > 2_000, $"drains started: {totals.Started}");
        Assert.True(totals.Completed > 500, $"completed: {totals.Completed}");
        Assert.True(totals.TimedOut > 50, $"timed out: {totals.TimedOut}");
        Assert.True(totals.Cancelled > 10, $"cancelled: {totals.Cancelled}");
        Assert.True(totals.PrimaryDrains > 100, $"primary drains: {totals.PrimaryDrains}");
        Assert.True(totals.PrimaryHeldBack > 100, $"plans where a drifted primary waited for drifted replicas: {totals.PrimaryHeldBack}");
    }

    [Fact]
    public void Random_observation_sequences_always_end_within_the_timeout()
    {
        // The state machine alone, against an arbitrary (even hostile) data plane: whatever it observes, a drain ends by
        // the first pass after requested-at + timeout.
        var settings = DrainSettings.Default;
        var endings = new Dictionary<DrainOutcome, int>();
        for (var seed = 0; seed < 2_000; seed++)
        {
            var random = new Random(seed);
            var start = DrainStateMachineTests.Start.AddSeconds(random.Next(0, 100_000));
            var now = start;
            DrainState? state = DrainState.Requested;
            var annotations = new Dictionary<string, string?>(DrainStateMachine.Initiate(start));
            // Each sequence gets its own data plane: from cooperative to one that never lets the drain progress.
            var stuck = random.NextDouble();
            var ended = false;
            for (var pass = 0; pass < 10_000 && !ended; pass++)
            {
                now = now.AddSeconds(random.Next(0, 40));
                var observation = RandomObservation(random, stuck, now, annotations.GetValueOrDefault(AnnotationKeys.DrainRequestedAt));
                var result = DrainStateMachine.Next(state, observation, settings);
                CheckStep(seed, state, result, observation, settings);
                foreach (var (key, value) in result.AnnotationPatch) annotations[key] = value;
                state = result.State;
                ended = state is null or DrainState.ReadyForDeletion;
                if (ended)
                {
                    endings[result.Outcome] = endings.GetValueOrDefault(result.Outcome) + 1;
                    break;
                }

                // The corrupting observation may have pushed the start forward (a restamp); the bound is from the stamp.
                Assert.True(DrainTimestamps.TryParse(annotations[AnnotationKeys.DrainRequestedAt], out var stamp),
                    $"seed {seed}: requested-at unreadable after a pass: {annotations[AnnotationKeys.DrainRequestedAt]}");
                Assert.True(now - stamp <= settings.Timeout, $"seed {seed}: drain still {state} {now - stamp} after requested-at");
            }

            Assert.True(ended, $"seed {seed}: drain did not end");
        }

        var summary = string.Join(", ", endings.Select(e => $"{e.Key}={e.Value}"));
        Assert.True(endings.GetValueOrDefault(DrainOutcome.Completed) > 100, summary);
        Assert.True(endings.GetValueOrDefault(DrainOutcome.TimedOut) > 100, summary);
        Assert.True(endings.GetValueOrDefault(DrainOutcome.Cancelled) > 50, summary);
    }

    private static DrainObservation RandomObservation(Random random, double stuck, DateTimeOffset now, string? requestedAt)
    {
        PoolerFacts? pooler = random.NextDouble() < stuck ? DrainStateMachineTests.Primary : random.Next(6) == 0 ? null : new PoolerFacts(
            (PoolerLifecycleStatus)random.Next(0, 6), random.Next(3) switch { 0 => PoolerServingStatus.Serving, 1 => PoolerServingStatus.Disabled, _ => PoolerServingStatus.Draining },
            (RoutingRole)random.Next(0, 3));
        return new DrainObservation
        {
            PodName = "pod-1",
            Now = now,
            RequestedAt = random.Next(40) == 0 ? (random.Next(2) == 0 ? "garbage" : DrainTimestamps.Format(now.AddHours(1))) : requestedAt,
            DeletionTimestamp = random.Next(10) == 0 ? now.AddSeconds(-random.Next(0, 600)) : null,
            TopologyObserved = random.NextDouble() >= stuck / 2,
            Pooler = pooler,
            AnotherPrimaryServing = random.Next(3) != 0,
            WithinDesiredReplicas = random.Next(8) == 0,
            SpecDrifted = random.Next(2) == 0,
            FilesystemResizePending = random.Next(10) == 0,
            ShardPendingDeletion = random.Next(20) == 0,
        };
    }

    /// <summary>The per-step rules shared by both properties.</summary>
    private static void CheckStep(int seed, DrainState? before, DrainTransition result, DrainObservation observation, DrainSettings settings)
    {
        var after = result.State;
        if (after is null)
        {
            Assert.True(before == DrainState.Requested && result.Outcome == DrainOutcome.Cancelled,
                $"seed {seed}: {before} -> none ({result.Outcome}); only a requested drain may be cancelled");
            return;
        }

        Assert.True(before is not null && after >= before, $"seed {seed}: went backwards {before} -> {after}");
        if (after - before > 1)
            Assert.True(result.Outcome == DrainOutcome.TimedOut, $"seed {seed}: skipped from {before} to {after} without a timeout");
        if (result.Outcome == DrainOutcome.Completed && !observation.ShardPendingDeletion)
        {
            Assert.True(observation.TopologyObserved && observation.Pooler?.HoldsPrimary != true && observation.AnotherPrimaryServing,
                $"seed {seed}: completed while the pod held the primary or no other primary served");
        }
        if (result.Outcome == DrainOutcome.TimedOut)
        {
            var start = DrainTimestamps.TryParse(observation.RequestedAt, out var stamp) && stamp <= observation.Now
                ? stamp
                : observation.DeletionTimestamp ?? observation.Now;
            Assert.True(observation.Now - start > settings.Timeout, $"seed {seed}: timed out early");
        }
        if (before == after)
            Assert.DoesNotContain(AnnotationKeys.DrainState, result.AnnotationPatch.Keys);
        else
            Assert.Equal(after.Value.ToAnnotationValue(), result.AnnotationPatch[AnnotationKeys.DrainState]);
    }

    private sealed class Totals
    {
        public int Started;
        public int Completed;
        public int TimedOut;
        public int Cancelled;
        public int PrimaryDrains;
        public int PrimaryHeldBack;
    }

    private sealed class SimPod(string name, int index, int generation)
    {
        public string Name { get; } = name;
        public int Index { get; } = index;
        public int Generation { get; } = generation;
        public bool Ready { get; set; }
        public DateTimeOffset? ReadyAt { get; set; }
        public Dictionary<string, string?> Annotations { get; } = new(StringComparer.Ordinal);
        public int DrainId { get; set; } = -1;
        public DrainState? State => DrainStates.Parse(Annotations.GetValueOrDefault(AnnotationKeys.DrainState));
    }

    private sealed class Simulation(int seed, Totals totals)
    {
        private readonly Random _random = new(seed);
        private readonly DrainSettings _settings = DrainSettings.Default;
        private readonly List<SimPod> _pods = [];
        private readonly Dictionary<int, DateTimeOffset> _openDrains = [];
        private DateTimeOffset _now = DrainStateMachineTests.Start;
        private int _desired;
        private int _generation;
        private string? _primary;
        private bool _primaryServing = true;
        private bool _topologyUp = true;
        private bool _shardHealthy = true;
        private bool _honourSwitchover;
        private int _nextDrainId;
        private int _step;

        public void Run()
        {
            _desired = _random.Next(1, 6);
            _honourSwitchover = _random.Next(2) == 0;
            for (var i = 0; i < _desired; i++)
                _pods.Add(new SimPod($"pod-{i}", i, _generation) { Ready = true });
            _primary = _pods[0].Name;

            var events = _random.Next(60, 240);
            for (_step = 0; _step < events; _step++)
                RandomEvent();

            // Quiet period: the world is frozen as it is (perhaps topology down, perhaps no primary); only reconciles
            // and time happen. Every drain open now must end by its timeout.
            var open = _openDrains.Keys.ToList();
            var until = _now + _settings.Timeout + TimeSpan.FromSeconds(30);
            while (_now < until)
            {
                _now = _now.AddSeconds(_random.Next(1, 10));
                Reconcile();
                _step++;
            }

            foreach (var id in open)
                Assert.False(_openDrains.ContainsKey(id), $"seed {seed}: drain {id} never ended");
        }

        private void RandomEvent()
        {
            switch (_random.Next(100))
            {
                case < 30: Reconcile(); break;
                case < 60: _now = _now.AddSeconds(_random.Next(1, 40)); break;
                case < 64: Pick()?.Let(p => p.Ready = !p.Ready); break;
                case < 69: _generation++; break;
                case < 73: _desired = _random.Next(0, 6); break;
                case < 76: _primary = Pick()?.Name; break;
                case < 84: if (_primary is null) _primary = _pods.Where(p => p.Ready).Select(p => p.Name).FirstOrDefault(); break;
                case < 88: _topologyUp = !_topologyUp; break;
                case < 92: _shardHealthy = !_shardHealthy; break;
                case < 96: _primaryServing = !_primaryServing; break;
                default:
                    var draining = _pods.FirstOrDefault(p => p.State is not null);
                    if (draining is not null)
                    {
                        draining.Annotations[AnnotationKeys.DrainRequestedAt] =
                            _random.Next(2) == 0 ? "not-a-time" : DrainTimestamps.Format(_now.AddDays(1));
                    }
                    break;
            }
        }

        private SimPod? Pick() => _pods.Count == 0 ? null : _pods[_random.Next(_pods.Count)];

        private bool Drifted(SimPod pod) => pod.Generation != _generation;

        private void Reconcile()
        {
            // 1. The state machine, for every pod with a drain annotation.
            foreach (var pod in _pods.Where(p => p.State is not null).ToList())
            {
                var before = pod.State;
                var isPrimary = pod.Name == _primary;
                var observation = new DrainObservation
                {
                    PodName = pod.Name,
                    Now = _now,
                    RequestedAt = pod.Annotations.GetValueOrDefault(AnnotationKeys.DrainRequestedAt),
                    TopologyObserved = _topologyUp,
                    Pooler = isPrimary ? DrainStateMachineTests.Primary : DrainStateMachineTests.Replica,
                    AnotherPrimaryServing = _primary is not null && !isPrimary && _primaryServing,
                    WithinDesiredReplicas = pod.Index < _desired,
                    SpecDrifted = Drifted(pod),
                };
                var result = DrainStateMachine.Next(before, observation, _settings);
                CheckStep(seed, before, result, observation, _settings);
                foreach (var (key, value) in result.AnnotationPatch)
                {
                    if (value is null) pod.Annotations.Remove(key);
                    else pod.Annotations[key] = value;
                }

                switch (result.Outcome)
                {
                    case DrainOutcome.Completed: totals.Completed++; End(pod); break;
                    case DrainOutcome.TimedOut: totals.TimedOut++; End(pod); break;
                    case DrainOutcome.Cancelled: totals.Cancelled++; End(pod); break;
                }

                if (result.Action == DrainAction.ResignPrimary && _honourSwitchover && _random.Next(2) == 0)
                    _primary = _pods.Where(p => p != pod && p.Ready).Select(p => p.Name).FirstOrDefault();

                if (pod.State is { } state && state != DrainState.ReadyForDeletion)
                {
                    Assert.True(DrainTimestamps.TryParse(pod.Annotations.GetValueOrDefault(AnnotationKeys.DrainRequestedAt), out var stamp)
                        && _now - stamp <= _settings.Timeout, $"seed {seed} step {_step}: {pod.Name} still {state} past the timeout");
                }
            }

            // 2. The pool deletes ready-for-deletion pods; Phase 1 recreates in-range ones with the current spec.
            foreach (var pod in _pods.Where(p => p.State == DrainState.ReadyForDeletion).ToList())
            {
                _pods.Remove(pod);
                if (pod.Name == _primary) _primary = null;
            }
            for (var i = 0; i < _desired; i++)
            {
                if (_pods.All(p => p.Index != i))
                    _pods.Add(new SimPod($"pod-{i}", i, _generation) { ReadyAt = _now.AddSeconds(_random.Next(2, 60)) });
            }
            foreach (var pod in _pods.Where(p => p.ReadyAt is { } at && at <= _now))
            {
                pod.Ready = true;
                pod.ReadyAt = null;
            }

            // 3. The planner.
            var input = new PoolDrainInput(
                [.. _pods.Select(p => new PoolPod(p.Name, p.Index, p.Name == _primary, p.Ready, Drifted(p), p.State))],
                _desired, _shardHealthy);
            var driftedReplicas = input.Pods.Where(p => p.Drifted && !p.IsPrimary).Select(p => p.Name).ToList();
            if (driftedReplicas.Count > 0 && input.Pods.Any(p => p.IsPrimary && p.Drifted)) totals.PrimaryHeldBack++;

            var plan = DrainPlanner.Plan(input);
            if (plan.PodToDrain is { } chosen)
            {
                var pod = _pods.Single(p => p.Name == chosen);
                if (pod.Name == _primary)
                {
                    totals.PrimaryDrains++;
                    Assert.True(driftedReplicas.Count == 0,
                        $"seed {seed} step {_step}: primary {pod.Name} chosen while drifted replicas remain: {string.Join(",", driftedReplicas)}");
                }
                Assert.True(pod.State is null, $"seed {seed} step {_step}: chose {pod.Name}, which is already draining");
                foreach (var (key, value) in DrainStateMachine.Initiate(_now)) pod.Annotations[key] = value;
                pod.DrainId = _nextDrainId++;
                _openDrains[pod.DrainId] = _now;
                totals.Started++;
            }

            var annotated = _pods.Where(p => p.State is not null).Select(p => p.Name).ToList();
            Assert.True(annotated.Count <= 1, $"seed {seed} step {_step}: {annotated.Count} pods draining at once: {string.Join(",", annotated)}");
        }

        private void End(SimPod pod) => _openDrains.Remove(pod.DrainId);
    }
}

internal static class DrainTestExtensions
{
    /// <summary>Runs an action on a value inside an expression (used by the event switch).</summary>
    public static void Let<T>(this T value, Action<T> action) => action(value);
}
