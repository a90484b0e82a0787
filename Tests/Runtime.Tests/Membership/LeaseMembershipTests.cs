using MultigresOrleans.Kubernetes.Client;
using MultigresOrleans.Kubernetes.Models;
using MultigresOrleans.Runtime.Placement;
using Xunit.Abstractions;

namespace MultigresOrleans.Runtime.Tests.Membership;

/// <summary>
/// Lease membership against the in-process KubeSim, time on a fake clock: joining, two-phase
/// handoff, graceful leave, crash failover, self-fencing under a network partition, leader
/// failover and the steady-state write rate.
/// </summary>
[Collection(KubeSimCollection.Name)]
public sealed class LeaseMembershipTests(KubeSimFixture fx, ITestOutputHelper output) : IDisposable
{
    private readonly List<LeaseCluster> clusters = [];

    /// <summary>The silos' logs go to the test output (shown when a test fails).</summary>
    public void Dispose()
    {
        foreach (var line in clusters.SelectMany(c => c.Logs.Lines).TakeLast(400))
            output.WriteLine(line);
    }

    private async Task<LeaseCluster> NewCluster()
    {
        var cluster = await LeaseCluster.CreateAsync(fx);
        clusters.Add(cluster);
        return cluster;
    }

    private const int Partitions = PartitionHash.DefaultPartitionCount;

    [Fact]
    public async Task A_single_silo_becomes_leader_and_owns_every_partition()
    {
        await using var cluster = await NewCluster();
        var a = await cluster.StartSiloAsync("a");

        Assert.True(a.Membership.IsLeader);
        Assert.Equal(Partitions, a.Serving().Count);
        var leases = await Leases(cluster);
        Assert.Contains(leases, l => l.Metadata.Name == "grains-leader" && l.Spec!.HolderIdentity == a.Identity);
        Assert.Contains(leases, l => l.Metadata.Name == "grains-silo-a" && l.Spec!.HolderIdentity == a.Identity);
        Assert.Equal(1, await a.Silo.GrainFactory.GetGrain<ICounterGrain>("k").Increment());
    }

    [Fact]
    public async Task A_joining_silo_gets_its_partitions_through_a_two_phase_handoff()
    {
        await using var cluster = await NewCluster();
        var a = await cluster.StartSiloAsync("a");
        var keys = Enumerable.Range(0, 200).Select(i => $"join-{i}").ToArray();
        await AddToAll(a, keys, expected: 1);

        var b = await cluster.StartSiloAsync("b");

        await Eventually.WaitUntil(() => b.Serving().Count > 0 && a.Serving().Count + b.Serving().Count == Partitions,
            "every partition served by exactly one of a and b", () => $"a={a.Serving().Count} b={b.Serving().Count}");
        Assert.Empty(a.Serving().Intersect(b.Serving()));
        var expected = Rendezvous.Assign(Partitions, [a.Identity, b.Identity]);
        Assert.Equal(expected.Count(o => o == b.Identity), b.Serving().Count);

        // Every grain keeps its state and none was ever active twice: moved ones were deactivated on a first.
        await AddToAll(b, keys, expected: 2);
        Assert.Equal(0, cluster.Probe.DoubleActivations);
    }

    [Fact]
    public async Task Graceful_stop_hands_partitions_over_without_waiting_for_lease_expiry()
    {
        await using var cluster = await NewCluster();
        var a = await cluster.StartSiloAsync("a");
        var b = await cluster.StartSiloAsync("b");
        await Eventually.WaitUntil(() => a.Serving().Count + b.Serving().Count == Partitions, "a and b share all partitions");
        var keys = Enumerable.Range(0, 100).Select(i => $"leave-{i}").ToArray();
        await AddToAll(a, keys, expected: 1);
        var before = cluster.Time.GetUtcNow();

        await cluster.StopAsync("b");

        Assert.Equal(before, cluster.Time.GetUtcNow()); // no lease had to expire: not one fake second passed
        await Eventually.WaitUntil(() => a.Serving().Count == Partitions, "a serves every partition after b left", () => $"a={a.Serving().Count}");
        Assert.DoesNotContain(await Leases(cluster), l => l.Metadata.Name == "grains-silo-b");
        await AddToAll(a, keys, expected: 2);
        Assert.Equal(0, cluster.Probe.DoubleActivations);
    }

    [Fact]
    public async Task A_killed_silos_partitions_move_after_its_lease_expires()
    {
        await using var cluster = await NewCluster();
        var a = await cluster.StartSiloAsync("a");
        var b = await cluster.StartSiloAsync("b");
        await Eventually.WaitUntil(() => a.Serving().Count + b.Serving().Count == Partitions, "a and b share all partitions");
        var lost = b.Serving();
        var killedAt = cluster.Time.GetUtcNow();

        await cluster.KillAsync("b");
        await cluster.AdvanceAsync(TimeSpan.FromSeconds(30), () => a.Serving().Count == Partitions);

        var failover = cluster.Time.GetUtcNow() - killedAt;
        output.WriteLine($"failover of {lost.Count} partitions after {failover.TotalSeconds} s of fake time (lease duration 10 s)");
        Assert.Equal(Partitions, a.Serving().Count);
        Assert.InRange(failover, TimeSpan.FromSeconds(7), TimeSpan.FromSeconds(11));
        await Eventually.WaitUntil(() => !Leases(cluster).Result.Any(l => l.Metadata.Name == "grains-silo-b"), "the dead silo's Lease is removed once no map names it");
    }

    [Fact]
    public async Task A_silo_cut_off_from_the_API_server_stops_serving_before_anyone_takes_over()
    {
        await using var cluster = await NewCluster();
        var a = await cluster.StartSiloAsync("a");
        var b = await cluster.StartSiloAsync("b");
        await Eventually.WaitUntil(() => a.Serving().Count + b.Serving().Count == Partitions, "a and b share all partitions");
        var bPartitions = b.Serving();
        var key = Enumerable.Range(0, 1000).Select(i => $"cut-{i}").First(k => bPartitions.Contains(PartitionHash.PartitionOf(new GrainId("cart", k), Partitions)));
        await AddToAll(a, [key], expected: 1);
        Assert.True(b.Silo.IsActive(new GrainId("cart", key)));
        string? fenceReason = null;
        b.Silo.Fenced += reason => fenceReason = reason;

        b.Cut.Cut();
        TimeSpan? fencedAt = null, takenOverAt = null;
        var start = cluster.Time.GetUtcNow();
        for (var second = 0; second < 20 && takenOverAt is null; second++)
        {
            await cluster.AdvanceAsync(TimeSpan.FromSeconds(1));
            // Give a's coordination a chance to act on this second before looking.
            await Eventually.WaitUntil(() => b.Membership.IsFenced || !ShouldHaveFenced(b), "b fences itself once its lease may have expired");
            var both = a.Serving().Intersect(b.Serving()).ToList();
            Assert.True(both.Count == 0, $"partitions {string.Join(",", both)} served by a and b at once");
            if (b.Membership.IsFenced)
                fencedAt ??= cluster.Time.GetUtcNow() - start;
            if (bPartitions.Any(p => a.Membership.IsOwnedLocally(p)))
                takenOverAt = cluster.Time.GetUtcNow() - start;
        }

        output.WriteLine($"b fenced after {fencedAt}, a took over after {takenOverAt}");
        Assert.NotNull(fencedAt);
        Assert.NotNull(takenOverAt);
        Assert.True(fencedAt < takenOverAt, $"b must fence ({fencedAt}) before a takes over ({takenOverAt})");
        Assert.NotNull(fenceReason);
        Assert.Empty(b.Serving());
        await Eventually.WaitUntil(() => !b.Silo.IsActive(new GrainId("cart", key)), "the fenced silo deactivates its grains");
        await Eventually.WaitUntil(() => a.Serving().Count == Partitions, "a serves everything", () => $"a={a.Serving().Count}");
        await AddToAll(a, [key], expected: 2);
    }

    [Fact]
    public async Task When_the_leader_dies_another_silo_takes_the_leader_lease_and_reassigns()
    {
        await using var cluster = await NewCluster();
        var a = await cluster.StartSiloAsync("a");
        var b = await cluster.StartSiloAsync("b");
        var c = await cluster.StartSiloAsync("c");
        await Eventually.WaitUntil(() => a.Serving().Count + b.Serving().Count + c.Serving().Count == Partitions, "a, b and c share all partitions");
        Assert.True(a.Membership.IsLeader);

        await cluster.KillAsync("a");
        await cluster.AdvanceAsync(TimeSpan.FromSeconds(30), () => b.Serving().Count + c.Serving().Count == Partitions);

        Assert.True(b.Membership.IsLeader ^ c.Membership.IsLeader, "exactly one new leader");
        Assert.Equal(Partitions, b.Serving().Count + c.Serving().Count);
        Assert.Equal(Rendezvous.Assign(Partitions, [b.Identity, c.Identity]), b.Membership.CurrentMap.Owners.ToArray());
    }

    [Fact]
    public async Task Scaling_two_three_one_keeps_every_key_reachable_and_single_activation()
    {
        await using var cluster = await NewCluster();
        var a = await cluster.StartSiloAsync("a");
        var b = await cluster.StartSiloAsync("b");
        var keys = Enumerable.Range(0, 300).Select(i => $"scale-{i}").ToArray();
        await AddToAll(a, keys, expected: 1);

        var c = await cluster.StartSiloAsync("c");
        await Eventually.WaitUntil(() => c.Serving().Count > 0 && a.Serving().Count + b.Serving().Count + c.Serving().Count == Partitions, "three silos share the partitions");
        await AddToAll(c, keys, expected: 2);

        await cluster.StopAsync("a");
        await cluster.StopAsync("c");
        await Eventually.WaitUntil(() => b.Serving().Count == Partitions, "b alone serves every partition", () => $"b={b.Serving().Count}");
        await AddToAll(b, keys, expected: 3);
        Assert.Equal(0, cluster.Probe.DoubleActivations);
    }

    [Fact]
    public async Task Reminders_fire_on_the_new_owner_after_failover()
    {
        await using var cluster = await NewCluster();
        var a = await cluster.StartSiloAsync("a");
        var b = await cluster.StartSiloAsync("b");
        await Eventually.WaitUntil(() => a.Serving().Count + b.Serving().Count == Partitions, "a and b share all partitions");
        var key = Enumerable.Range(0, 1000).Select(i => $"rem-{i}").First(k => b.Serving().Contains(PartitionHash.PartitionOf(new GrainId("reminder", k), Partitions)));
        await a.Silo.GrainFactory.GetGrain<IReminderGrain>(key).Register("tick", TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(20));

        await cluster.KillAsync("b");
        await cluster.AdvanceAsync(TimeSpan.FromSeconds(25));

        await cluster.Probe.WaitFor(events => events.Any(e => e.StartsWith($"reminder:{key}:tick:", StringComparison.Ordinal)), $"reminder of {key} fires on a after b died");
        Assert.Equal(Partitions, a.Serving().Count);
    }

    [Fact]
    public async Task Steady_state_costs_about_one_lease_write_per_silo_per_renew_period()
    {
        await using var cluster = await NewCluster();
        var silos = new[] { await cluster.StartSiloAsync("a"), await cluster.StartSiloAsync("b"), await cluster.StartSiloAsync("c") };
        await Eventually.WaitUntil(() => silos.Sum(s => s.Serving().Count) == Partitions, "three silos share the partitions");
        await cluster.AdvanceAsync(TimeSpan.FromSeconds(6)); // let handoff acknowledgements settle
        var before = silos.ToDictionary(s => s.Name, s => fx.Server.Counters.Writes(s.User));

        const int periods = 10;
        await cluster.AdvanceAsync(TimeSpan.FromSeconds(3 * periods));

        var writes = silos.ToDictionary(s => s.Name, s => fx.Server.Counters.Writes(s.User) - before[s.Name]);
        output.WriteLine($"writes in {periods} renew periods: {string.Join(", ", writes.Select(w => $"{w.Key}={w.Value}"))} (leader: {silos.Single(s => s.Membership.IsLeader).Name})");
        foreach (var silo in silos)
        {
            var allowed = silo.Membership.IsLeader ? 2 * (periods + 1) : periods + 1;
            Assert.InRange(writes[silo.Name], periods - 1, allowed);
        }
    }

    /// <summary>Adds one item to each key's cart through <paramref name="via"/> and checks the cart now holds <paramref name="expected"/> items (state survived every move).</summary>
    private static async Task AddToAll(LeaseCluster.Member via, string[] keys, int expected)
    {
        foreach (var key in keys)
        {
            var cart = via.Silo.GrainFactory.GetGrain<ICartGrain>(key);
            await cart.Add($"item-{expected}");
            var count = (await cart.Items()).Count;
            Assert.True(count == expected, $"{key}: expected {expected} items (state kept across moves), got {count}");
        }
    }

    private static bool ShouldHaveFenced(LeaseCluster.Member member) =>
        member.Membership.SinceLastRenewal >= member.Membership.Options.LeaseDuration - member.Membership.Options.SafetyMargin;

    private async Task<IReadOnlyList<Lease>> Leases(LeaseCluster cluster) =>
        (await fx.Client.Resource(KnownResources.Leases, KubernetesJsonContext.Default.Lease).ListAsync(cluster.Namespace)).Items;
}
