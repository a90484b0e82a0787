namespace MultigresOrleans.Runtime.Tests;

public sealed class ActivationTests
{
    [Fact]
    public async Task Concurrent_first_calls_create_one_activation_per_key()
    {
        var (silo, probe, _) = await TestSilo.StartAsync();
        await using var _silo = silo;
        const int keys = 200;
        const int callersPerKey = 16;
        using var start = new ManualResetEventSlim();

        // Every caller blocks on one signal, then all hit their (not yet active) grain at once.
        var calls = Enumerable.Range(0, keys * callersPerKey).Select(i => Task.Run(async () =>
        {
            start.Wait();
            return await silo.GrainFactory.GetGrain<ICounterGrain>($"k{i % keys}").Increment();
        })).ToArray();
        start.Set();
        var results = await Task.WhenAll(calls);

        for (var k = 0; k < keys; k++)
            Assert.Equal(1, probe.Count($"activate:k{k}"));
        // Each key's increments were serialised by the single activation: 1..callersPerKey, each once.
        Assert.Equal(keys, results.Count(r => r == callersPerKey));
        Assert.Equal(keys * (callersPerKey * (callersPerKey + 1) / 2), results.Sum());
        Assert.Equal(keys, silo.ActivationCount);
    }

    [Fact]
    public async Task Activations_never_overlap_under_churn_of_calls_and_deactivations()
    {
        var (silo, probe, _) = await TestSilo.StartAsync();
        await using var _silo = silo;
        // Eight callers hammer five keys, randomly asking the grain to deactivate, so new activations
        // keep racing the previous one's deactivation.
        var callers = Enumerable.Range(0, 8).Select(seed => Task.Run(async () =>
        {
            var random = new Random(seed);
            for (var i = 0; i < 400; i++)
            {
                var grain = silo.GrainFactory.GetGrain<ICounterGrain>($"churn{random.Next(5)}");
                if (random.Next(4) == 0)
                    await grain.Deactivate();
                else
                    await grain.CheckedTurn();
            }
        }));
        await Task.WhenAll(callers);

        Assert.Equal(0, probe.DoubleActivations);
        Assert.Equal(0, probe.Overlaps);
        Assert.True(probe.CountPrefix("activate:churn") > 5, $"expected many re-activations, saw {probe.CountPrefix("activate:churn")}");
    }

    [Fact]
    public async Task Turns_never_interleave()
    {
        var (silo, probe, _) = await TestSilo.StartAsync();
        await using var _silo = silo;
        var grain = silo.GrainFactory.GetGrain<ICounterGrain>("turns");
        await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => Task.Run(() => grain.CheckedTurn())));
        Assert.Equal(0, probe.Overlaps);
    }

    [Fact]
    public async Task Read_only_calls_interleave_with_each_other_but_not_with_a_normal_call()
    {
        var (silo, probe, _) = await TestSilo.StartAsync();
        await using var _silo = silo;
        var grain = silo.GrainFactory.GetGrain<ICounterGrain>("ro");
        await grain.Touch();

        var r1 = grain.ReadAndHold("r1");
        var r2 = grain.ReadAndHold("r2");
        await probe.WaitFor(e => e.Contains("read-enter:r1") && e.Contains("read-enter:r2"), "both read-only calls inside at once");

        var w = grain.WriteAndHold("w");
        var r3 = grain.ReadAndHold("r3"); // queued behind the write: FIFO, no starvation of writers
        probe.Open("r1");
        await probe.WaitFor(e => e.Contains("read-exit:r1"), "r1 to finish");
        Assert.DoesNotContain("write-enter:w", probe.Events);

        probe.Open("r2");
        await probe.WaitFor(e => e.Contains("write-enter:w"), "the write to start once no read-only call runs");
        Assert.DoesNotContain("read-enter:r3", probe.Events);

        probe.Open("w");
        probe.Open("r3");
        await Task.WhenAll(r1, r2, w, r3);
        var events = probe.Events;
        Assert.True(events.ToList().IndexOf("write-exit:w") < events.ToList().IndexOf("read-enter:r3"), string.Join(", ", events));
    }

    [Fact]
    public async Task Exceptions_reach_the_caller_and_the_activation_survives()
    {
        var (silo, probe, _) = await TestSilo.StartAsync();
        await using var _silo = silo;
        var grain = silo.GrainFactory.GetGrain<ICounterGrain>("ex");
        await grain.Increment();
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => grain.Fail("boom"));
        Assert.Equal("boom", error.Message);
        Assert.Equal(2, await grain.Increment());
        Assert.Equal(1, probe.Count("activate:ex"));
    }

    [Fact]
    public async Task Value_task_methods_and_grain_to_grain_calls_work()
    {
        var (silo, _, _) = await TestSilo.StartAsync();
        await using var _silo = silo;
        var grain = silo.GrainFactory.GetGrain<ICounterGrain>("vt");
        await grain.Touch();
        await grain.Increment();
        Assert.Equal(1, await grain.GetValue());
        Assert.Equal("other=1", await grain.CallOther("other"));
        Assert.Equal(grain, silo.GrainFactory.GetGrain<ICounterGrain>("vt"));
        Assert.NotEqual(grain, silo.GrainFactory.GetGrain<ICounterGrain>("vt2"));
    }

    [Fact]
    public async Task Failed_activation_fails_the_call_and_the_next_call_retries()
    {
        var (silo, probe, _) = await TestSilo.StartAsync();
        await using var _silo = silo;
        var grain = silo.GrainFactory.GetGrain<ICounterGrain>("fail-activation-1");
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => grain.Increment());
        Assert.Equal("activation refused", error.Message);
        await Assert.ThrowsAsync<InvalidOperationException>(() => grain.Increment());
        Assert.Equal(2, probe.Count("activate:fail-activation-1"));
        Assert.Equal(0, silo.ActivationCount);
    }

    [Fact]
    public async Task DeactivateOnIdle_runs_OnDeactivateAsync_and_the_next_call_activates_afresh()
    {
        var (silo, probe, _) = await TestSilo.StartAsync();
        await using var _silo = silo;
        var grain = silo.GrainFactory.GetGrain<ICounterGrain>("d");
        await grain.Increment();
        var first = await grain.ActivationNumber();
        await grain.Deactivate();
        await probe.WaitForCount("deactivated:d", 1);
        Assert.Contains("deactivating:d:ApplicationRequested", probe.Events);
        Assert.Equal(1, await grain.Increment()); // in-memory field reset: a new activation
        Assert.NotEqual(first, await grain.ActivationNumber());
        Assert.Equal(2, probe.Count("activate:d"));
    }

    [Fact]
    public async Task Calls_during_deactivation_wait_for_it_and_go_to_the_next_activation()
    {
        var (silo, probe, _) = await TestSilo.StartAsync();
        await using var _silo = silo;
        var key = "slow-deactivation-1";
        var grain = silo.GrainFactory.GetGrain<ICounterGrain>(key);
        await grain.Increment();
        await grain.Deactivate();
        await probe.WaitForCount($"deactivating:{key}:ApplicationRequested", 1);

        var during = grain.Increment(); // arrives while OnDeactivateAsync is still running
        Assert.False(during.IsCompleted);
        Assert.Equal(1, probe.Count($"activate:{key}"));

        probe.Open($"deactivate:{key}");
        Assert.Equal(1, await during);
        var events = probe.Events.ToList();
        Assert.True(events.IndexOf($"deactivated:{key}") < events.LastIndexOf($"activate:{key}"), string.Join(", ", events));
    }

    [Fact]
    public async Task Idle_activations_are_collected_after_the_collection_age()
    {
        var (silo, probe, time) = await TestSilo.StartAsync(b => b.Configure(o =>
        {
            o.CollectionAge = TimeSpan.FromMinutes(10);
            o.CollectionQuantum = TimeSpan.FromMinutes(1);
        }));
        await using var _silo = silo;
        var idle = silo.GrainFactory.GetGrain<ICounterGrain>("idle");
        var busy = silo.GrainFactory.GetGrain<ICounterGrain>("busy");
        await idle.Increment();
        await busy.Increment();

        time.Advance(TimeSpan.FromMinutes(6));
        await busy.Increment(); // activity at t=6 min
        time.Advance(TimeSpan.FromMinutes(5)); // t=11: idle is 11 min idle, busy only 5
        await probe.WaitForCount("deactivated:idle", 1);
        Assert.Contains("deactivating:idle:ActivationIdle", probe.Events);
        Assert.True(silo.IsActive(new GrainId("counter", "busy")), "busy was used 5 minutes ago and must still be active");

        time.Advance(TimeSpan.FromMinutes(6)); // t=17: busy idle for 11 min
        await probe.WaitForCount("deactivated:busy", 1);
        Assert.Equal(1, await busy.Increment());
    }

    [Fact]
    public async Task A_call_that_does_not_complete_times_out_on_the_injected_clock()
    {
        var (silo, probe, time) = await TestSilo.StartAsync(b => b.Configure(o => o.CallTimeout = TimeSpan.FromSeconds(30)));
        await using var _silo = silo;
        var grain = silo.GrainFactory.GetGrain<ICounterGrain>("slow");
        var call = grain.WriteAndHold("never");
        await probe.WaitForCount("write-enter:never", 1);
        time.Advance(TimeSpan.FromSeconds(29));
        Assert.False(call.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(2));
        var error = await Assert.ThrowsAsync<TimeoutException>(() => call);
        Assert.Contains("WriteAndHold", error.Message, StringComparison.Ordinal);
        probe.Open("never");
    }

    [Fact]
    public async Task Stopping_the_silo_deactivates_everything()
    {
        var (silo, probe, _) = await TestSilo.StartAsync();
        for (var i = 0; i < 10; i++)
            await silo.GrainFactory.GetGrain<ICounterGrain>($"s{i}").Increment();
        await silo.StopAsync();
        Assert.Equal(10, probe.CountPrefix("deactivated:s"));
        Assert.Equal(10, probe.Events.Count(e => e.EndsWith(":ShuttingDown", StringComparison.Ordinal)));
        Assert.Equal(0, silo.ActivationCount);
    }
}
