using System.Diagnostics.Metrics;
using System.Text.Json;
using MultigresOrleans.Runtime.Introspection;
using MultigresOrleans.Runtime.Membership;
using MultigresOrleans.Runtime.Placement;

namespace MultigresOrleans.Runtime.Tests;

public sealed class IntrospectionTests
{
    [Fact]
    public async Task Calls_failures_and_activations_are_measured_per_silo_and_grain_type()
    {
        var silo = $"metrics-{Guid.NewGuid():N}";
        var totals = new Dictionary<string, double>(StringComparer.Ordinal);
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == RuntimeMetrics.MeterName)
                l.EnableMeasurementEvents(instrument);
        };

        void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var mine = false;
            var type = "";
            foreach (var tag in tags)
            {
                mine |= tag.Key == "silo" && (string?)tag.Value == silo;
                if (tag.Key == "grain.type")
                    type = (string)tag.Value!;
            }

            if (!mine)
                return;
            lock (totals)
            {
                var key = $"{instrument.Name}/{type}";
                totals[key] = totals.GetValueOrDefault(key) + (instrument is Histogram<double> ? 1 : value);
            }
        }

        listener.SetMeasurementEventCallback<long>((i, v, t, _) => Record(i, v, t));
        listener.SetMeasurementEventCallback<double>((i, v, t, _) => Record(i, v, t));
        listener.Start();

        var (host, probe, _) = await TestSilo.StartAsync(b => b.Configure(o => o.SiloName = silo));
        await using (host)
        {
            var grain = host.GrainFactory.GetGrain<ICounterGrain>("m");
            await grain.Increment();
            await grain.Increment();
            await Assert.ThrowsAsync<InvalidOperationException>(() => grain.Fail("x"));
            await host.GrainFactory.GetGrain<ICartGrain>("m").Items();
            Assert.Equal(new Dictionary<string, int> { ["counter"] = 1, ["cart"] = 1 }, host.ActivationCountsByType());
        }

        lock (totals)
        {
            Assert.Equal(3, totals["grain.calls/counter"]);
            Assert.Equal(1, totals["grain.call.failures/counter"]);
            Assert.Equal(3, totals["grain.call.duration/counter"]);
            Assert.Equal(1, totals["grain.calls/cart"]);
            Assert.Equal(0, totals["grain.activations/counter"]); // +1 on activation, −1 when the silo stopped
        }

        Assert.Equal(1, probe.Count("deactivated:m"));
    }

    [Fact]
    public async Task Storage_can_be_chosen_per_grain_type_by_configuration()
    {
        var carts = new MemoryGrainStorage();
        var (silo, _, _) = await TestSilo.StartAsync(b => b
            .AddGrainStorage("carts", carts)
            .Configure(o => o.StorageByGrainType["cart"] = "carts"));
        await using var _silo = silo;
        await silo.GrainFactory.GetGrain<ICartGrain>("k").Add("x");
        Assert.Equal(1, carts.Count);
    }

    [Fact]
    public async Task The_silo_snapshot_shows_identity_status_partitions_activations_and_the_cluster()
    {
        var name = $"snap-{Guid.NewGuid():N}";
        var (silo, _, time) = await TestSilo.StartAsync(b => b.Configure(o => o.SiloName = name));
        await using var _silo = silo;
        await silo.GrainFactory.GetGrain<ICounterGrain>("a").Increment();
        await silo.GrainFactory.GetGrain<ICounterGrain>("b").Increment();
        await silo.GrainFactory.GetGrain<ICartGrain>("c").Items();

        var snapshot = silo.Introspection.GetSiloSnapshot();

        Assert.Equal(name, snapshot.SiloName);
        Assert.Equal(name, snapshot.Identity);
        Assert.Equal("Active", snapshot.Status);
        Assert.Equal(time.GetUtcNow(), snapshot.TakenAt);
        Assert.Equal(1, snapshot.MapVersion);
        Assert.Equal(64, snapshot.PartitionCount);
        Assert.Equal(Enumerable.Range(0, 64), snapshot.OwnedPartitions);
        Assert.Equal(3, snapshot.ActivationCount);
        Assert.Equal(new Dictionary<string, int> { ["counter"] = 2, ["cart"] = 1 }, snapshot.ActivationsByType);
        Assert.Equal(3, snapshot.TotalActivations);
        Assert.Equal(0, snapshot.TotalDeactivations);
        Assert.Equal(0, snapshot.ScheduledReminders);
        Assert.Equal(["cart", "counter"], snapshot.Calls.Select(c => c.GrainType));
        Assert.Equal(1, snapshot.Cluster.MapVersion);
        Assert.Null(snapshot.Cluster.Leader);
        var self = Assert.Single(snapshot.Cluster.Silos);
        Assert.Equal((name, "Active", 64), (self.Identity, self.Status, self.Partitions));

        await silo.StopAsync();
        var stopped = silo.Introspection.GetSiloSnapshot();
        Assert.Equal("Stopped", stopped.Status);
        Assert.Equal(0, stopped.ActivationCount);
        Assert.Equal(3, stopped.TotalDeactivations);
    }

    [Fact]
    public async Task The_cluster_view_comes_from_a_membership_that_can_introspect()
    {
        var membership = new TwoSiloMembership();
        var (silo, _, _) = await TestSilo.StartAsync(b => b
            .Configure(o => o.SiloName = "a")
            .UseMembership(_ => membership));
        await using var _silo = silo;

        var snapshot = silo.Introspection.GetSiloSnapshot();

        Assert.Equal("Leaving", snapshot.Status); // this silo's status is the membership's word for it
        Assert.Equal(7, snapshot.MapVersion);
        Assert.Equal(membership.CurrentMap.PartitionsOf("a"), snapshot.OwnedPartitions);
        Assert.Equal("b", snapshot.Cluster.Leader);
        Assert.Equal(["a", "b"], snapshot.Cluster.Silos.Select(s => s.Identity));
    }

    [Fact]
    public async Task Call_counts_failures_and_the_latency_histogram_follow_known_calls()
    {
        var (silo, probe, time) = await TestSilo.StartAsync();
        await using var _silo = silo;
        var grain = silo.GrainFactory.GetGrain<ICounterGrain>("h");
        await grain.Increment();
        await grain.Increment();
        await Assert.ThrowsAsync<InvalidOperationException>(() => grain.Fail("boom"));
        var slow = grain.WriteAndHold("slow");
        await probe.WaitForCount("write-enter:slow", 1);
        time.Advance(TimeSpan.FromMilliseconds(30)); // the fake clock makes this call take exactly 30 ms
        probe.Open("slow");
        await slow;
        await silo.GrainFactory.GetGrain<ICartGrain>("h").Items();

        var calls = silo.Introspection.GetSiloSnapshot().Calls.ToDictionary(c => c.GrainType);

        var counter = calls["counter"];
        Assert.Equal(4, counter.Calls);
        Assert.Equal(1, counter.Failures);
        Assert.Equal([0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000], counter.Latency.BoundsMs);
        long[] expected = [3, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0]; // three instant calls ≤ 0.1 ms, one in (25, 50] ms
        Assert.Equal(expected, counter.Latency.Counts);
        Assert.Equal(4, counter.Latency.Count);
        Assert.Equal(30, counter.Latency.SumMs, 6);
        Assert.Equal(0.1 * 2 / 3, counter.Latency.P50Ms, 6); // rank 2 of the 3 calls in [0, 0.1]
        Assert.Equal(25 + (25 * 0.96), counter.Latency.P99Ms, 6); // rank 3.96: 96 % into (25, 50]
        Assert.Equal((1, 0), (calls["cart"].Calls, calls["cart"].Failures));
    }

    [Fact]
    public void Latency_quantiles_are_estimated_from_the_buckets()
    {
        var counts = new long[LatencyBuckets.BoundsMs.Length + 1];
        Assert.Equal(0, LatencyBuckets.Quantile(counts, 0, 0.5));
        counts[LatencyBuckets.IndexOf(2000)] = 10; // all above the last bound: the last finite bound is the best estimate
        Assert.Equal(1000, LatencyBuckets.Quantile(counts, 10, 0.99));
        Assert.Equal(0, LatencyBuckets.IndexOf(0));
        Assert.Equal(0, LatencyBuckets.IndexOf(0.1));
        Assert.Equal(1, LatencyBuckets.IndexOf(0.11));
        Assert.Equal(12, LatencyBuckets.IndexOf(1000));
        Assert.Equal(13, LatencyBuckets.IndexOf(1000.5));
    }

    [Fact]
    public async Task The_recent_calls_ring_keeps_only_the_last_N_calls()
    {
        var (silo, _, time) = await TestSilo.StartAsync(b => b.Configure(o => o.RecentCallsPerActivation = 3));
        await using var _silo = silo;
        var grain = silo.GrainFactory.GetGrain<ICounterGrain>("ring");
        for (var i = 0; i < 5; i++)
            await grain.Increment();
        await grain.Touch();
        time.Advance(TimeSpan.FromSeconds(1));
        await Assert.ThrowsAsync<InvalidOperationException>(() => grain.Fail("no"));
        await grain.GetValue();

        var recent = silo.Introspection.GetGrainSnapshot(new GrainId("counter", "ring"))!.RecentCalls;

        Assert.Equal(
            [("ICounterGrain.Touch", "ok"), ("ICounterGrain.Fail", typeof(InvalidOperationException).FullName!), ("ICounterGrain.GetValue", "ok")],
            recent.Select(c => (c.Name, c.Outcome)));
        Assert.All(recent, c => Assert.Equal("Call", c.Kind));
        Assert.Equal(time.GetUtcNow(), recent[2].StartedAt);
        Assert.True(recent[0].StartedAt < recent[1].StartedAt);
    }

    [Fact]
    public async Task The_recent_calls_ring_holds_20_calls_by_default()
    {
        var (silo, _, _) = await TestSilo.StartAsync();
        await using var _silo = silo;
        var grain = silo.GrainFactory.GetGrain<ICounterGrain>("ring20");
        for (var i = 0; i < 25; i++)
            await grain.Increment();

        var recent = silo.Introspection.GetGrainSnapshot(new GrainId("counter", "ring20"))!.RecentCalls;

        Assert.Equal(20, recent.Count);
        Assert.All(recent, c => Assert.Equal(("ICounterGrain.Increment", "ok", 0.0), (c.Name, c.Outcome, c.DurationMs)));
    }

    [Fact]
    public async Task A_grain_snapshot_shows_its_state_as_json_with_the_etag_after_a_write()
    {
        var (silo, _, time) = await TestSilo.StartAsync();
        await using var _silo = silo;
        var cart = silo.GrainFactory.GetGrain<ICartGrain>("s");
        var id = new GrainId("cart", "s");
        var activatedAt = time.GetUtcNow();
        await cart.Items();

        var before = Assert.Single(silo.Introspection.GetGrainSnapshot(id)!.States);
        Assert.Equal((null, false), (before.ETag, before.RecordExists));

        time.Advance(TimeSpan.FromMinutes(1));
        await cart.Add("apple");
        var (_, etag) = await cart.Info();

        var snapshot = silo.Introspection.GetGrainSnapshot(id)!;
        Assert.Equal(("cart/s", "cart", "s"), (snapshot.GrainId, snapshot.GrainType, snapshot.Key));
        Assert.Equal(PartitionHash.PartitionOf(id), snapshot.Partition);
        Assert.Equal("Valid", snapshot.Status);
        Assert.Equal(activatedAt, snapshot.CreatedAt);
        Assert.Equal(activatedAt, snapshot.ActivatedAt);
        Assert.Equal(time.GetUtcNow(), snapshot.LastActivity);
        Assert.Equal((0, 0), (snapshot.QueueLength, snapshot.RunningTurns));
        var state = Assert.Single(snapshot.States);
        Assert.Equal(("cart", "Default", typeof(CartState).FullName), (state.Name, state.Provider, state.StateType));
        Assert.NotNull(etag);
        Assert.Equal((etag, true), (state.ETag, state.RecordExists));
        Assert.Null(state.Error);
        Assert.Equal("""{"items":["apple"],"version":1}""", state.Value!.Value.GetRawText());
        Assert.Equal(["ICartGrain.Items", "ICartGrain.Add", "ICartGrain.Info"], snapshot.RecentCalls.Select(c => c.Name));
    }

    [Fact]
    public async Task A_state_that_cannot_be_serialised_is_reported_not_thrown()
    {
        var (silo, _, _) = await TestSilo.StartAsync(b => b.AddGrain<IBrokenStateGrain, BrokenStateGrain>());
        await using var _silo = silo;
        await silo.GrainFactory.GetGrain<IBrokenStateGrain>("x").Touch();

        var state = Assert.Single(silo.Introspection.GetGrainSnapshot(new GrainId("brokenstate", "x"))!.States);

        Assert.Null(state.Value);
        Assert.Contains("InvalidOperationException: the grain is changing me", state.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Timers_and_reminders_are_listed_in_the_grain_snapshot()
    {
        var (silo, probe, time) = await TestSilo.StartAsync();
        await using var _silo = silo;
        var timed = silo.GrainFactory.GetGrain<ICounterGrain>("timed");
        var timedId = new GrainId("counter", "timed");
        await timed.StartTimer(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(1), tickGate: "tick");

        var timer = Assert.Single(silo.Introspection.GetGrainSnapshot(timedId)!.Timers);
        Assert.Equal(new GrainTimerSnapshot(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(1), time.GetUtcNow() + TimeSpan.FromSeconds(5), TickRunning: false, KeepAlive: false), timer);

        time.Advance(TimeSpan.FromSeconds(5));
        await probe.WaitForCount("tick-start:1", 1);
        timer = Assert.Single(silo.Introspection.GetGrainSnapshot(timedId)!.Timers);
        Assert.True(timer.TickRunning);
        Assert.Null(timer.NextDue);
        Assert.Equal(1, silo.Introspection.GetGrainSnapshot(timedId)!.RunningTurns);

        probe.Open("tick:1");
        await time.WhenArmed(time.GetUtcNow() + TimeSpan.FromSeconds(1)); // re-armed one period after the tick
        timer = Assert.Single(silo.Introspection.GetGrainSnapshot(timedId)!.Timers);
        Assert.False(timer.TickRunning);
        Assert.Equal(time.GetUtcNow() + TimeSpan.FromSeconds(1), timer.NextDue);
        Assert.DoesNotContain(silo.Introspection.GetGrainSnapshot(timedId)!.RecentCalls, c => c.Kind == "Timer"); // ticks stay out of the ring

        var reminded = silo.GrainFactory.GetGrain<IReminderGrain>("reminded");
        var registeredAt = time.GetUtcNow();
        await reminded.Register("wake", TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(1));
        var reminder = Assert.Single(silo.Introspection.GetGrainSnapshot(new GrainId("reminder", "reminded"))!.Reminders);
        Assert.Equal(new ReminderSnapshot("wake", registeredAt + TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(1), registeredAt + TimeSpan.FromMinutes(2)), reminder);
        Assert.Equal(1, silo.Introspection.GetSiloSnapshot().ScheduledReminders);
        Assert.Empty(silo.Introspection.GetGrainSnapshot(timedId)!.Reminders);
    }

    [Fact]
    public async Task The_snapshot_of_a_grain_not_active_here_is_null()
    {
        var (silo, probe, _) = await TestSilo.StartAsync();
        await using var _silo = silo;
        var id = new GrainId("counter", "gone");

        Assert.Null(silo.Introspection.GetGrainSnapshot(id));
        Assert.False(silo.IsActive(id)); // asking did not activate it

        await silo.GrainFactory.GetGrain<ICounterGrain>("gone").Increment();
        Assert.NotNull(silo.Introspection.GetGrainSnapshot(id));
        Assert.Equal([id], silo.Introspection.GetActiveGrains("counter"));
        Assert.Empty(silo.Introspection.GetActiveGrains("cart"));

        Assert.True(silo.Runtime.Catalog.TryGet(id, out var activation));
        await silo.GrainFactory.GetGrain<ICounterGrain>("gone").Deactivate();
        await activation!.Deactivated;
        Assert.Null(silo.Introspection.GetGrainSnapshot(id));
        Assert.Equal(1, probe.Count("deactivated:gone"));
    }

    [Fact]
    public async Task Snapshots_serialise_to_json_with_the_source_generated_context()
    {
        var (silo, _, _) = await TestSilo.StartAsync(b => b.Configure(o => o.SiloName = "json-silo"));
        await using var _silo = silo;
        await silo.GrainFactory.GetGrain<ICartGrain>("j").Add("pear");
        await silo.GrainFactory.GetGrain<ICounterGrain>("j").StartTimer(TimeSpan.FromSeconds(5), Timeout.InfiniteTimeSpan, tickGate: null);

        var siloJson = JsonSerializer.Serialize(silo.Introspection.GetSiloSnapshot(), IntrospectionJsonContext.Default.SiloSnapshot);
        var cartJson = JsonSerializer.Serialize(silo.Introspection.GetGrainSnapshot(new GrainId("cart", "j")), IntrospectionJsonContext.Default.GrainSnapshot!);
        var counterJson = JsonSerializer.Serialize(silo.Introspection.GetGrainSnapshot(new GrainId("counter", "j")), IntrospectionJsonContext.Default.GrainSnapshot!);

        using (var document = JsonDocument.Parse(siloJson))
        {
            var root = document.RootElement;
            Assert.Equal("json-silo", root.GetProperty("siloName").GetString());
            Assert.Equal(64, root.GetProperty("ownedPartitions").GetArrayLength());
            Assert.Equal(1, root.GetProperty("activationsByType").GetProperty("cart").GetInt32());
            var latency = root.GetProperty("calls")[0].GetProperty("latency");
            Assert.Equal(13, latency.GetProperty("boundsMs").GetArrayLength());
            Assert.Equal(14, latency.GetProperty("counts").GetArrayLength());
            Assert.Equal("json-silo", root.GetProperty("cluster").GetProperty("silos")[0].GetProperty("identity").GetString());
        }

        using (var document = JsonDocument.Parse(cartJson))
        {
            var state = document.RootElement.GetProperty("states")[0];
            Assert.Equal("pear", state.GetProperty("value").GetProperty("items")[0].GetString());
            Assert.Equal(JsonValueKind.String, state.GetProperty("eTag").ValueKind);
        }

        using (var document = JsonDocument.Parse(counterJson))
        {
            var timer = document.RootElement.GetProperty("timers")[0];
            Assert.Equal("00:00:05", timer.GetProperty("dueTime").GetString());
            Assert.Equal(JsonValueKind.Null, timer.GetProperty("period").ValueKind); // one-shot
        }

        var back = JsonSerializer.Deserialize(siloJson, IntrospectionJsonContext.Default.SiloSnapshot)!;
        Assert.Equal("json-silo", back.Identity);
        Assert.Equal(2, back.Calls.Count);
        var cart = JsonSerializer.Deserialize(cartJson, IntrospectionJsonContext.Default.GrainSnapshot)!;
        Assert.Equal("pear", cart.States[0].Value!.Value.GetProperty("items")[0].GetString());
    }

    [Fact]
    public async Task Partitions_owned_and_map_version_are_observable_gauges_per_silo()
    {
        var name = $"gauges-{Guid.NewGuid():N}";
        var seen = new Dictionary<string, long>(StringComparer.Ordinal);
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == RuntimeMetrics.MeterName && instrument.Name is "grain.partitions.owned" or "grain.map.version")
                l.EnableMeasurementEvents(instrument);
        };

        void Record(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "silo" && (string?)tag.Value == name)
                    seen[instrument.Name] = value;
            }
        }

        listener.SetMeasurementEventCallback<int>((i, v, t, _) => Record(i, v, t));
        listener.SetMeasurementEventCallback<long>((i, v, t, _) => Record(i, v, t));
        listener.Start();

        var membership = new TwoSiloMembership();
        var (silo, _, _) = await TestSilo.StartAsync(b => b
            .Configure(o => o.SiloName = name)
            .UseMembership(_ => membership.Named(name)));
        await using (silo)
        {
            listener.RecordObservableInstruments();
            Assert.Equal(membership.CurrentMap.PartitionsOf("a").Count(), seen["grain.partitions.owned"]);
            Assert.Equal(7, seen["grain.map.version"]);
        }

        seen.Clear();
        listener.RecordObservableInstruments();
        Assert.Empty(seen); // a stopped silo is no longer reported
    }

    /// <summary>A membership that sees two silos, "a" (this one, leaving) and "b" (the leader), at map version 7.</summary>
    private sealed class TwoSiloMembership : IMembershipOracle, IMembershipIntrospection
    {
        private string self = "a";

        public string SiloName => self;

        public PartitionMap CurrentMap { get; } = new(7, [.. PartitionMap.Create(["a", "b"]).Owners]);

        public IReadOnlyList<SiloInfo> Silos =>
        [
            new(self, "Leaving", null, TimeSpan.FromSeconds(1), CurrentMap.PartitionsOf("a").Count()),
            new("b", "Active", new Uri("http://b:11111/"), TimeSpan.FromSeconds(2), CurrentMap.PartitionsOf("b").Count()),
        ];

        public string? Leader => "b";

        public event Action<PartitionMap>? MapChanged
        {
            add { }
            remove { }
        }

        /// <summary>Reports under another silo name (so a test can tell its silo's gauges apart), still owning "a"'s partitions.</summary>
        public TwoSiloMembership Named(string name)
        {
            self = name;
            return this;
        }

        public bool IsOwnedLocally(int partition) => CurrentMap.OwnerOf(partition) == "a";
    }
}
