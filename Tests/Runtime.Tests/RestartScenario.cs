namespace MultigresOrleans.Runtime.Tests;

/// <summary>
/// The same story for every durable provider: a silo writes a grain's state and registers a
/// reminder, stops; a new silo on the same storage reads the state back and the reminder fires on time.
/// </summary>
internal static class RestartScenario
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    public static async Task StateAndRemindersSurviveASiloRestart(Action<SiloHostBuilder> configure)
    {
        var time = new FakeTimeProvider();
        var probe = new Probe();
        var start = time.GetUtcNow();

        var (first, _, _) = await TestSilo.StartAsync(configure, time, probe);
        await first.GrainFactory.GetGrain<ICartGrain>("c").Add("apple");
        await first.GrainFactory.GetGrain<IReminderGrain>("r").Register("job", Minute, Minute);
        await first.DisposeAsync();

        var (second, _, _) = await TestSilo.StartAsync(configure, time, probe);
        await using var _second = second;
        Assert.Equal(["apple"], await second.GrainFactory.GetGrain<ICartGrain>("c").Items());
        Assert.True(await second.GrainFactory.GetGrain<IReminderGrain>("r").Has("job"));
        time.Advance(Minute);
        await probe.WaitForCount($"reminder:r:job:{(start + Minute).UtcDateTime:O}:{Minute}:{(start + Minute).UtcDateTime:O}", 1);

        await second.GrainFactory.GetGrain<IReminderGrain>("r").Unregister("job");
        Assert.False(await second.GrainFactory.GetGrain<IReminderGrain>("r").Has("job"));
    }
}
