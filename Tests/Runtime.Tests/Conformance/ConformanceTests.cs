using System.Diagnostics;
using System.Net;
using MultigresOrleans.ConformanceSilo;
using MultigresOrleans.Runtime.Transport;
using Xunit.Abstractions;

namespace MultigresOrleans.Runtime.Tests.Conformance;

/// <summary>
/// The runtime's cross-process conformance suite: real silo processes (Lease membership on KubeSim,
/// HTTP/2 between them, state in Azurite) with default membership timings, driven from a client in
/// this process. The probe grain records every activation in its state under ETags, so a key active
/// twice would show up as a second activation, a take-over from a live silo, or a VIOLATION line.
/// </summary>
[Collection(ConformanceCollection.Name)]
public sealed class ConformanceTests(KubeSimFixture kube, AzuriteFixture azurite, ITestOutputHelper output)
{
    private static readonly TimeSpan CallDeadline = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task One_activation_per_key_under_concurrent_first_calls_from_three_silos()
    {
        await using var cluster = await ProcessCluster.CreateAsync(kube, azurite, output);
        var silos = await cluster.StartSilosAsync("s0", "s1", "s2");
        await WaitForSharedMap(cluster, silos);

        const int Keys = 1000;
        foreach (var silo in silos)
            silo.Send($"call {Keys} single-");
        var done = await Task.WhenAll(silos.Select(s => s.WaitForLineAsync(l => l.StartsWith("DONE single-", StringComparison.Ordinal), "DONE single-", CallDeadline)));

        Assert.All(done, line => Assert.Equal($"DONE single- {Keys} 0", line));
        var records = await Task.WhenAll(Enumerable.Range(0, Keys).Select(i => cluster.Client.GetGrain<IActivationProbeGrain>($"single-{i}").Record()));
        Assert.All(records, r => Assert.Equal(1, r.Activations));
        Assert.All(records, r => Assert.Empty(r.TakenOverFrom));
        Assert.All(records, r => Assert.Equal(3, r.Calls));
        Assert.Equal(3, records.Select(r => r.ActiveOn).Distinct().Count()); // the keys really are spread over the three silos
        AssertNoViolations(cluster);
    }

    [Fact]
    public async Task A_SIGKILLed_silos_grains_are_active_elsewhere_within_15_s_with_their_state()
    {
        await using var cluster = await ProcessCluster.CreateAsync(kube, azurite, output);
        var silos = await cluster.StartSilosAsync("k0", "k1", "k2");
        await WaitForSharedMap(cluster, silos);
        var keys = Enumerable.Range(0, 150).Select(i => $"kill-{i}").ToArray();
        var first = await Task.WhenAll(keys.Select(k => cluster.Client.GetGrain<IActivationProbeGrain>(k).Touch()));
        var victim = silos[1];
        var onVictim = keys.Where((_, i) => first[i].Silo == victim.Name).ToArray();
        Assert.NotEmpty(onVictim);

        var clock = Stopwatch.StartNew();
        victim.Kill();
        var replies = await Task.WhenAll(onVictim.Select(k => cluster.Client.GetGrain<IActivationProbeGrain>(k).Touch()));
        var failover = clock.Elapsed;

        output.WriteLine($"SIGKILL failover of {onVictim.Length} grains: all answered again after {failover.TotalSeconds:0.00} s (lease duration 10 s)");
        Assert.All(replies, r => Assert.NotEqual(victim.Name, r.Silo));
        Assert.All(replies, r => Assert.Equal(2, r.Calls)); // state intact: the second call counted on top of the first
        Assert.True(failover <= TimeSpan.FromSeconds(15), $"failover took {failover.TotalSeconds:0.00} s, more than 15 s");
        var records = await Task.WhenAll(onVictim.Select(k => cluster.Client.GetGrain<IActivationProbeGrain>(k).Record()));
        Assert.All(records, r => Assert.Equal([victim.Name], r.TakenOverFrom)); // taken over only from the dead silo
        AssertNoViolations(cluster);
    }

    [Fact]
    public async Task Graceful_shutdown_hands_grains_off_within_2_s()
    {
        await using var cluster = await ProcessCluster.CreateAsync(kube, azurite, output);
        var silos = await cluster.StartSilosAsync("g0", "g1", "g2");
        await WaitForSharedMap(cluster, silos);
        var keys = Enumerable.Range(0, 150).Select(i => $"graceful-{i}").ToArray();
        var first = await Task.WhenAll(keys.Select(k => cluster.Client.GetGrain<IActivationProbeGrain>(k).Touch()));
        var leaving = silos[0];
        var onLeaving = keys.Where((_, i) => first[i].Silo == leaving.Name).ToArray();
        Assert.NotEmpty(onLeaving);

        var clock = Stopwatch.StartNew();
        leaving.Terminate();
        await WaitForSharedMap(cluster, [.. silos.Where(s => s != leaving)]);
        var handoff = clock.Elapsed;
        var replies = await Task.WhenAll(onLeaving.Select(k => cluster.Client.GetGrain<IActivationProbeGrain>(k).Touch()));
        var stopped = await leaving.WaitForLineAsync(l => l.StartsWith("STOPPED ", StringComparison.Ordinal), "STOPPED", CallDeadline);
        Assert.Equal(0, await leaving.WaitForExitAsync(CallDeadline));

        output.WriteLine($"graceful handoff: the map named only the other silos {handoff.TotalMilliseconds:0} ms after SIGTERM; the silo reported '{stopped}'; {onLeaving.Length} grains answered elsewhere");
        Assert.All(replies, r => Assert.NotEqual(leaving.Name, r.Silo));
        Assert.All(replies, r => Assert.Equal(2, r.Calls));
        Assert.True(handoff <= TimeSpan.FromSeconds(2), $"handoff took {handoff.TotalMilliseconds:0} ms, more than 2 s");
        var records = await Task.WhenAll(onLeaving.Select(k => cluster.Client.GetGrain<IActivationProbeGrain>(k).Record()));
        Assert.All(records, r => Assert.Empty(r.TakenOverFrom)); // deactivated before the new owner activated
        AssertNoViolations(cluster);
    }

    [Fact]
    public async Task Scaling_two_three_one_silos_keeps_every_key_reachable()
    {
        await using var cluster = await ProcessCluster.CreateAsync(kube, azurite, output);
        var keys = Enumerable.Range(0, 300).Select(i => $"scale-{i}").ToArray();
        var two = await cluster.StartSilosAsync("c0", "c1");
        await WaitForSharedMap(cluster, two);
        await TouchAll(cluster, keys, expectedCalls: 1);

        var third = await cluster.StartSilosAsync("c2");
        await WaitForSharedMap(cluster, [.. two, .. third]);
        await TouchAll(cluster, keys, expectedCalls: 2);

        two[0].Terminate();
        third[0].Terminate();
        Assert.Equal(0, await two[0].WaitForExitAsync(CallDeadline));
        Assert.Equal(0, await third[0].WaitForExitAsync(CallDeadline));
        await TouchAll(cluster, keys, expectedCalls: 3);

        var records = await Task.WhenAll(keys.Select(k => cluster.Client.GetGrain<IActivationProbeGrain>(k).Record()));
        Assert.All(records, r => Assert.Equal("c1", r.ActiveOn));
        Assert.All(records, r => Assert.Empty(r.TakenOverFrom));
        AssertNoViolations(cluster);
    }

    [Fact]
    public async Task Unauthenticated_calls_are_refused()
    {
        await using var cluster = await ProcessCluster.CreateAsync(kube, azurite, output);
        var silos = await cluster.StartSilosAsync("u0");
        await WaitForSharedMap(cluster, silos);

        // A plain HTTP/2 request with no signature.
        using var http = new HttpClient(new SocketsHttpHandler()) { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        using var body = new StringContent("""{"key":"x","args":[]}""");
        using var response = await http.PostAsync(new Uri(silos[0].Endpoint!, "/grain-call/v1"), body);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);

        // A client with the wrong key.
        await using var stranger = cluster.ClientWithKey(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        await Assert.ThrowsAsync<GrainCallUnauthorizedException>(() => stranger.GetGrain<IActivationProbeGrain>("auth-1").Touch());

        // Nothing ran: the grain has never been activated.
        var record = await cluster.Client.GetGrain<IActivationProbeGrain>("auth-1").Record();
        Assert.Equal(1, record.Activations); // this Record() call's own activation
        Assert.Equal(0, record.Calls);
    }

    private static async Task TouchAll(ProcessCluster cluster, string[] keys, int expectedCalls)
    {
        var replies = await Task.WhenAll(keys.Select(k => cluster.Client.GetGrain<IActivationProbeGrain>(k).Touch()));
        Assert.All(replies, r => Assert.Equal(expectedCalls, r.Calls));
    }

    /// <summary>Waits until the client's map gives every partition to one of <paramref name="silos"/> with no handoff pending.</summary>
    private static Task WaitForSharedMap(ProcessCluster cluster, IReadOnlyCollection<SiloProcess> silos) =>
        Eventually.WaitUntil(
            () =>
            {
                var owners = cluster.ClientMembership.CurrentMap.Owners;
                var identities = silos.Select(s => s.Identity).ToHashSet();
                return owners.All(identities.Contains) && identities.All(owners.Contains) && cluster.ClientMembership.PendingHandoffs.Count == 0;
            },
            $"the partition map spreads over {string.Join(", ", silos.Select(s => s.Name))} with no handoff pending",
            () => cluster.ClientMembership.CurrentMap.ToString(),
            TimeSpan.FromSeconds(60));

    private static void AssertNoViolations(ProcessCluster cluster)
    {
        var violations = cluster.Silos.SelectMany(s => s.Lines.Where(l => l.StartsWith("VIOLATION", StringComparison.Ordinal)).Select(l => $"{s.Name}: {l}")).ToList();
        Assert.True(violations.Count == 0, string.Join('\n', violations));
    }
}
