using Microsoft.Extensions.DependencyInjection;
using MultigresOrleans.Runtime.Reminders;
using MultigresOrleans.Runtime.Testing;

namespace MultigresOrleans.Runtime.Tests;

/// <summary>Several silos in one process: routing by partition map, handoff on scale changes, failover after a crash.</summary>
public sealed class ClusterTests
{
    private sealed class Shared
    {
        public Probe Probe { get; } = new();

        public FakeTimeProvider Time { get; } = new();

        public MemoryGrainStorage Storage { get; } = new();

        public InMemoryReminderTable Reminders { get; } = new();

        public void Configure(SiloHostBuilder builder)
        {
            builder
                .AddGrain<ICounterGrain, CounterGrain>()
                .AddGrain<IReminderGrain, ReminderGrain>()
                .AddGrain<ICartGrain, CartGrain>()
                .AddGrainStorage("Default", Storage)
                .UseReminderTable(Reminders)
                .UseTimeProvider(Time);
            builder.Services.AddSingleton(Probe);
        }
    }

    [Fact]
    public async Task Concurrent_first_calls_from_three_silos_activate_each_key_once_on_its_owner()
    {
        var shared = new Shared();
        await using var cluster = await InProcessCluster.StartAsync(3, shared.Configure);
        const int keys = 1000;
        var factories = cluster.Silos.Select(s => s.GrainFactory).Append(cluster.Client).ToArray();
        using var start = new ManualResetEventSlim();
        var calls = Enumerable.Range(0, keys * factories.Length).Select(i => Task.Run(async () =>
        {
            start.Wait();
            return await factories[i % factories.Length].GetGrain<ICounterGrain>($"k{i / factories.Length}").Increment();
        })).ToArray();
        start.Set();
        await Task.WhenAll(calls);

        Assert.Equal(0, shared.Probe.DoubleActivations);
        for (var k = 0; k < keys; k++)
        {
            var id = new GrainId("counter", $"k{k}");
            Assert.Equal(1, shared.Probe.Count($"activate:k{k}"));
            Assert.Equal([cluster.Map.OwnerOf(id)], cluster.Silos.Where(s => s.IsActive(id)).Select(s => s.SiloName));
        }

        Assert.Equal(keys, cluster.Silos.Sum(s => s.ActivationCount));
        Assert.All(cluster.Silos, s => Assert.InRange(s.ActivationCount, 1, keys - 1));
    }

    [Fact]
    public async Task Scaling_2_to_3_to_1_hands_grains_off_keeps_every_key_reachable_and_state_intact()
    {
        var shared = new Shared();
        await using var cluster = await InProcessCluster.StartAsync(2, shared.Configure);
        const int keys = 200;
        for (var k = 0; k < keys; k++)
            await cluster.Client.GetGrain<ICartGrain>($"c{k}").Add("v1");

        // Calls keep flowing while membership changes; every one must succeed.
        using var stop = new CancellationTokenSource();
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var load = Task.Run(async () =>
        {
            var n = 0;
            do
            {
                await cluster.Client.GetGrain<ICartGrain>($"c{n++ % keys}").Items();
                running.TrySetResult();
            }
            while (!stop.IsCancellationRequested);
            return n;
        });
        await running.Task; // the load is flowing before membership starts changing

        var v1 = cluster.Map.Version;
        var third = await cluster.AddSiloAsync();
        Assert.Equal(v1 + 1, cluster.Map.Version);
        Assert.Equal(3, cluster.Map.Silos.Count);
        for (var k = 0; k < keys; k++)
            await cluster.Client.GetGrain<ICartGrain>($"c{k}").Add("v2");
        Assert.True(third.ActivationCount > 0, "the new silo took over some grains");

        await cluster.RemoveSiloAsync("silo-0");
        await cluster.RemoveSiloAsync(third.SiloName);
        Assert.Equal(["silo-1"], cluster.Map.Silos);
        stop.Cancel();
        var loadCalls = await load; // rethrows if any call during the changes failed
        Assert.True(loadCalls > 0, $"the load made {loadCalls} calls");

        for (var k = 0; k < keys; k++)
            Assert.Equal(["v1", "v2"], await cluster.Client.GetGrain<ICartGrain>($"c{k}").Items());
        Assert.Equal(0, shared.Probe.DoubleActivations);
        Assert.Equal(keys, cluster.Silo("silo-1").ActivationCount);
    }

    [Fact]
    public async Task After_a_silo_crash_its_grains_and_reminders_continue_on_the_survivors()
    {
        var shared = new Shared();
        await using var cluster = await InProcessCluster.StartAsync(3, shared.Configure);
        var minute = TimeSpan.FromMinutes(1);
        var start = shared.Time.GetUtcNow();

        // Find a reminder grain owned by silo-2, the silo that will crash.
        var key = Enumerable.Range(0, 1000).Select(i => $"r{i}").First(k => cluster.Map.OwnerOf(new GrainId("reminder", k)) == "silo-2");
        var cartKey = Enumerable.Range(0, 1000).Select(i => $"c{i}").First(k => cluster.Map.OwnerOf(new GrainId("cart", k)) == "silo-2");
        await cluster.Client.GetGrain<IReminderGrain>(key).Register("job", minute, minute);
        await cluster.Client.GetGrain<ICartGrain>(cartKey).Add("kept");

        await cluster.KillSiloAsync("silo-2");
        Assert.Equal(["silo-0", "silo-1"], cluster.Map.Silos);

        Assert.Equal(["kept"], await cluster.Client.GetGrain<ICartGrain>(cartKey).Items());
        var newOwner = cluster.OwnerOf(new GrainId("reminder", key));
        await shared.Time.WhenArmed(start + minute);
        shared.Time.Advance(minute);
        var first = (start + minute).UtcDateTime;
        await shared.Probe.WaitForCount($"reminder:{key}:job:{first:O}:{minute}:{first:O}", 1);
        Assert.True(newOwner.IsActive(new GrainId("reminder", key)), $"the reminder should have activated {key} on {newOwner.SiloName}");
    }

    [Fact]
    public async Task A_call_to_a_partition_being_handed_off_waits_and_completes_on_the_new_owner()
    {
        var shared = new Shared();
        await using var cluster = await InProcessCluster.StartAsync(1, shared.Configure);
        // A key that will move to the silo added next (silo-1).
        var key = Enumerable.Range(0, 1000).Select(i => $"m{i}").First(k =>
            Placement.Rendezvous.OwnerOf(Placement.PartitionHash.PartitionOf(new GrainId("counter", k)), ["silo-0", "silo-1"]) == "silo-1");
        var grain = cluster.Client.GetGrain<ICounterGrain>(key);
        var held = grain.WriteAndHold("held"); // keeps the activation busy, so the drain must wait for it
        await shared.Probe.WaitForCount("write-enter:held", 1);

        var partition = Placement.PartitionHash.PartitionOf(new GrainId("counter", key));
        var adding = cluster.AddSiloAsync();
        // Up to the drain's first wait the handoff runs synchronously, so silo-0 is draining by now.
        Assert.False(cluster.Silo("silo-0").Membership.IsOwnedLocally(partition), "silo-0 should have stopped accepting the moving partition");
        Assert.False(adding.IsCompleted, "the handoff must wait for the running call to finish");
        Assert.Equal(1, cluster.Map.Version);

        var during = grain.Increment(); // refused by silo-0 (draining), retried on silo-1 after the new map
        Assert.False(during.IsCompleted);
        shared.Probe.Open("held");
        await held;
        await adding;
        Assert.Equal(1, await during);
        Assert.True(cluster.Silo("silo-1").IsActive(new GrainId("counter", key)));
        Assert.False(cluster.Silo("silo-0").IsActive(new GrainId("counter", key)));
        Assert.Equal(0, shared.Probe.DoubleActivations);
    }
}
