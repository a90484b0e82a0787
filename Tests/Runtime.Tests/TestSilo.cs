using Microsoft.Extensions.DependencyInjection;

namespace MultigresOrleans.Runtime.Tests;

/// <summary>Builds a started single silo with the test grains, a fake clock, a probe and in-memory storage.</summary>
internal static class TestSilo
{
    public static async Task<(SiloHost Silo, Probe Probe, FakeTimeProvider Time)> StartAsync(Action<SiloHostBuilder>? configure = null, FakeTimeProvider? time = null, Probe? probe = null)
    {
        time ??= new FakeTimeProvider();
        probe ??= new Probe();
        var builder = new SiloHostBuilder()
            .Configure(o => o.SiloName = "test-silo")
            .AddGrain<ICounterGrain, CounterGrain>()
            .AddGrain<IReminderGrain, ReminderGrain>()
            .AddGrain<ICartGrain, CartGrain>()
            .AddMemoryGrainStorage()
            .UseTimeProvider(time);
        builder.Services.AddSingleton(probe);
        configure?.Invoke(builder);
        var silo = builder.Build();
        await silo.StartAsync();
        return (silo, probe, time);
    }
}
