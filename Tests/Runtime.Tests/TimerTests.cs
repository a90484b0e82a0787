namespace MultigresOrleans.Runtime.Tests;

public sealed class TimerTests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task Timer_ticks_run_periodically_as_turns()
    {
        var (silo, probe, time) = await TestSilo.StartAsync();
        await using var _silo = silo;
        var grain = silo.GrainFactory.GetGrain<ICounterGrain>("t");
        await grain.StartTimer(Second, Second, tickGate: null);

        for (var n = 1; n <= 5; n++)
        {
            var tickAt = time.GetUtcNow() + Second;
            await time.WhenArmed(tickAt); // the previous tick re-armed its timer
            time.Advance(Second);
            await probe.WaitForCount($"tick-end:{n}", 1);
        }

        Assert.Equal(0, probe.Overlaps);
    }

    [Fact]
    public async Task A_tick_that_outlasts_the_period_delays_the_next_tick_instead_of_overlapping()
    {
        var (silo, probe, time) = await TestSilo.StartAsync();
        await using var _silo = silo;
        var grain = silo.GrainFactory.GetGrain<ICounterGrain>("slow-tick");
        await grain.StartTimer(Second, Second, tickGate: "tick");

        time.Advance(Second);
        await probe.WaitForCount("tick-start:1", 1);
        for (var i = 0; i < 10; i++)
            time.Advance(Second); // ten periods pass while tick 1 is still running

        // Calls still queue behind the running tick (a tick is a turn).
        var call = grain.Increment();
        Assert.False(call.IsCompleted);
        Assert.DoesNotContain("tick-start:2", probe.Events);

        probe.Open("tick:1");
        await call;
        await probe.WaitForCount("tick-end:1", 1);
        Assert.DoesNotContain("tick-start:2", probe.Events);

        // The next tick is one period after the slow tick completed.
        await time.WhenArmed(time.GetUtcNow() + Second);
        time.Advance(Second);
        await probe.WaitForCount("tick-start:2", 1);
        probe.Open("tick:2");
        await probe.WaitForCount("tick-end:2", 1);
        Assert.Equal(0, probe.Overlaps);
        Assert.Equal(1, probe.Count("tick-start:1"));
    }

    [Fact]
    public async Task Timers_stop_when_disposed_and_when_the_activation_deactivates()
    {
        var (silo, probe, time) = await TestSilo.StartAsync();
        await using var _silo = silo;
        var grain = silo.GrainFactory.GetGrain<ICounterGrain>("stop");
        await grain.StartTimer(Second, Second, tickGate: null);
        time.Advance(Second);
        await probe.WaitForCount("tick-end:1", 1);
        await time.WhenArmed(time.GetUtcNow() + Second);
        await grain.StopTimer();
        time.Advance(Second * 5);
        Assert.Equal(1, probe.CountPrefix("tick-start:"));

        await grain.StartTimer(Second, Second, tickGate: null);
        time.Advance(Second);
        await probe.WaitForCount("tick-end:2", 1);
        await grain.Deactivate();
        await probe.WaitForCount("deactivated:stop", 1);
        time.Advance(Second * 5);
        Assert.Equal(2, probe.CountPrefix("tick-start:"));
        Assert.Equal(1, probe.Count("activate:stop")); // a timer never re-activates its grain
    }

    [Fact]
    public async Task Timer_ticks_do_not_keep_an_idle_grain_alive_by_default()
    {
        var (silo, probe, time) = await TestSilo.StartAsync(b => b.Configure(o =>
        {
            o.CollectionAge = TimeSpan.FromSeconds(150);
            o.CollectionQuantum = TimeSpan.FromMinutes(1);
        }));
        await using var _silo = silo;
        var grain = silo.GrainFactory.GetGrain<ICounterGrain>("timer-idle");
        // Ticks at 7 s + 29 s·k never coincide with the collector's whole minutes.
        var period = TimeSpan.FromSeconds(29);
        await grain.StartTimer(TimeSpan.FromSeconds(7), period, tickGate: null);
        time.Advance(TimeSpan.FromSeconds(7));
        for (var n = 1; n <= 6; n++)
        {
            await probe.WaitForCount($"tick-end:{n}", 1);
            await time.WhenArmed(time.GetUtcNow() + period);
            if (n < 6)
                time.Advance(period);
        }

        Assert.DoesNotContain("deactivated:timer-idle", probe.Events); // t = 152 s: the collector's last pass (120 s) saw it idle for less than 150 s
        time.Advance(TimeSpan.FromSeconds(29)); // passes the collector at 180 s
        await probe.WaitForCount("deactivated:timer-idle", 1);
    }
}

public sealed class ReminderTests
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task Reminders_fire_with_tick_status_and_reactivate_a_deactivated_grain()
    {
        var (silo, probe, time) = await TestSilo.StartAsync();
        await using var _silo = silo;
        var start = time.GetUtcNow();
        var grain = silo.GrainFactory.GetGrain<IReminderGrain>("r");
        await grain.Register("wake", Minute, Minute);
        await grain.Deactivate();
        await probe.WaitForCount("deactivated:r", 1);

        time.Advance(Minute);
        var first = (start + Minute).UtcDateTime;
        await probe.WaitForCount($"reminder:r:wake:{first:O}:{Minute}:{first:O}", 1);
        Assert.Equal(2, probe.Count("activate:r"));

        await time.WhenArmed(start + (Minute * 2)); // the next tick is armed after delivery
        time.Advance(Minute);
        await probe.WaitForCount($"reminder:r:wake:{first:O}:{Minute}:{first + Minute:O}", 1);

        await grain.Unregister("wake");
        Assert.False(await grain.Has("wake"));
        time.Advance(Minute * 5);
        Assert.Equal(2, probe.CountPrefix("reminder:r:wake:"));
    }

    [Fact]
    public async Task Reminders_survive_a_silo_restart_and_skip_missed_ticks()
    {
        var table = new Reminders.InMemoryReminderTable();
        var time = new FakeTimeProvider();
        var probe = new Probe();
        var start = time.GetUtcNow();
        var (first, _, _) = await TestSilo.StartAsync(b => b.UseReminderTable(table), time, probe);
        await first.GrainFactory.GetGrain<IReminderGrain>("durable").Register("job", Minute, Minute);
        await first.StopAsync();

        time.Advance(TimeSpan.FromSeconds(150)); // nobody hosts the reminder at t=1 min and t=2 min
        var (second, _, _) = await TestSilo.StartAsync(b => b.UseReminderTable(table), time, probe);
        await using var _second = second;
        Assert.Equal(1, second.LocalReminderCount);
        time.Advance(TimeSpan.FromSeconds(30));
        var tick = (start + (Minute * 3)).UtcDateTime;
        await probe.WaitForCount($"reminder:durable:job:{(start + Minute).UtcDateTime:O}:{Minute}:{tick:O}", 1);
        Assert.Equal(1, probe.CountPrefix("reminder:durable:job:"));
    }

    [Fact]
    public async Task Reminder_periods_below_the_minimum_are_refused()
    {
        var (silo, _, _) = await TestSilo.StartAsync();
        await using var _silo = silo;
        var error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => silo.GrainFactory.GetGrain<IReminderGrain>("short").Register("x", Minute, TimeSpan.FromSeconds(5)));
        Assert.Contains("MinimumReminderPeriod", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 0, 60)] // before the first tick: the first tick
    [InlineData(60, 0, 120)] // exactly at a tick already fired: the next one
    [InlineData(61, 60, 120)]
    [InlineData(185, 0, 240)] // missed ticks are skipped
    public void Next_tick_is_the_first_scheduled_tick_after_the_last_and_not_before_now(int nowSeconds, int afterSeconds, int expectedSeconds)
    {
        var origin = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var startAt = origin.AddSeconds(60);
        var after = afterSeconds == 0 ? DateTimeOffset.MinValue : origin.AddSeconds(afterSeconds);
        if (nowSeconds == 60)
            after = origin.AddSeconds(60);
        var next = Reminders.ReminderService.NextTick(startAt, Minute, origin.AddSeconds(nowSeconds), after);
        Assert.Equal(origin.AddSeconds(expectedSeconds), next);
    }
}
