using System.Diagnostics;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace MultigresOrleans.Silo.Tests;

/// <summary>
/// What the operator costs at rest (no API writes other than lease renewals, no etcd writes) and
/// that losing a silo in the middle of reconciling does not stop convergence.
/// </summary>
[Collection(OperatorCollection.Name)]
public sealed class IdleAndFailoverTests(OperatorFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task A_converged_operator_writes_nothing_but_lease_renewals_for_60_s()
    {
        var ns = await fixture.NewNamespaceAsync("idle");
        OperatorFixture.Ok(await fixture.Kubectl.RunAsync(["apply", "-f", "-"], Samples.Minimal(ns, "idle")));
        await Eventually.UntilAsync(() => fixture.Kubectl.RunAsync("get", "mgc", "idle", "-n", ns, "-o", "json"),
            r => r.ExitCode == 0 && JsonNode.Parse(r.Stdout)?["status"]?["conditions"]?.AsArray()
                .Any(c => c!["type"]!.GetValue<string>() == "Available" && c["status"]!.GetValue<string>() == "True") == true,
            "the idle cluster to be Available", TimeSpan.FromSeconds(60));

        // Converged: no operator write for 5 s in a row (bounded by a deadline), then measure a full minute.
        var quiet = Stopwatch.StartNew();
        var last = NonLeaseWrites();
        await Eventually.WaitUntil(() =>
        {
            var now = NonLeaseWrites();
            if (now != last)
            {
                last = now;
                quiet.Restart();
            }

            return quiet.Elapsed >= TimeSpan.FromSeconds(5);
        }, "5 s without an operator write after the cluster was Available", () => Describe(NonLeaseWriteCounts()), TimeSpan.FromSeconds(90));

        var apiBefore = NonLeaseWriteCounts();
        var leasesBefore = LeaseWrites();
        var etcdBefore = await EtcdRevisionAsync();
        // The window is counted in the silos' own heartbeat rather than slept: two silos and the leader Lease
        // renew every 3 s, so 60 renewals are about a minute of idle operator life.
        const int Renewals = 60;
        await Eventually.WaitUntil(() => LeaseWrites() - leasesBefore >= Renewals,
            $"{Renewals} lease renewals while the cluster stays idle", () => $"{LeaseWrites() - leasesBefore} so far", TimeSpan.FromSeconds(180));
        var apiAfter = NonLeaseWriteCounts();
        var etcdAfter = await EtcdRevisionAsync();
        var leaseWrites = LeaseWrites() - leasesBefore;
        output.WriteLine($"idle for {leaseWrites} lease writes (about a minute): {apiAfter.Values.Sum() - apiBefore.Values.Sum()} other API writes, etcd revision {etcdBefore} -> {etcdAfter}");
        Assert.Equal(Describe(apiBefore), Describe(apiAfter));
        Assert.Equal(etcdBefore, etcdAfter);
    }

    [Fact]
    public async Task Killing_a_silo_during_reconciliation_does_not_stop_convergence()
    {
        var ns = await fixture.NewNamespaceAsync("failover");
        var victim = fixture.Silos.First(s => !s.HasExited);
        OperatorFixture.Ok(await fixture.Kubectl.RunAsync(["apply", "-f", "-"], Samples.Minimal(ns, "failover")));
        victim.Kill(); // SIGKILL while the cluster is being reconciled
        await Eventually.UntilAsync(() => fixture.Kubectl.RunAsync("get", "mgc", "failover", "-n", ns, "-o", "json"),
            r => r.ExitCode == 0 && JsonNode.Parse(r.Stdout)?["status"]?["conditions"]?.AsArray()
                .Any(c => c!["type"]!.GetValue<string>() == "Available" && c["status"]!.GetValue<string>() == "True") == true,
            $"the cluster to converge (Available) on the surviving silo after {victim.Name} was killed\n{fixture.SiloLogs}", TimeSpan.FromSeconds(90));
        foreach (var kind in new[] { "cells", "tablegroups", "shards", "toposervers" })
        {
            // Available speaks for the cells; the table group's shards follow one grain later.
            await Eventually.UntilAsync(() => fixture.Kubectl.RunAsync("get", kind, "-n", ns, "-o", "name"),
                r => r.ExitCode == 0 && !string.IsNullOrWhiteSpace(r.Stdout), $"{kind} in {ns} after the failover\n{fixture.SiloLogs}", TimeSpan.FromSeconds(60));
        }

        await fixture.StartSiloAsync(victim.Name + "-replacement"); // later tests expect two silos
    }

    private Dictionary<string, long> NonLeaseWriteCounts() =>
        fixture.Sim.Counters.Snapshot()
            .Where(p => p.Key.Verb is "create" or "update" or "patch" or "delete" or "deletecollection" && p.Key.Resource != "leases")
            .GroupBy(p => $"{p.Key.Verb} {p.Key.Resource}")
            .ToDictionary(g => g.Key, g => g.Sum(p => p.Value));

    private long NonLeaseWrites() => NonLeaseWriteCounts().Values.Sum();

    private long LeaseWrites() =>
        fixture.Sim.Counters.Snapshot().Where(p => p.Key.Verb is "update" or "patch" or "create" && p.Key.Resource == "leases").Sum(p => p.Value);

    private static string Describe(Dictionary<string, long> counts) => string.Join(", ", counts.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));

    private async Task<long> EtcdRevisionAsync() => (await fixture.Etcd.GetPrefixAsync("/multigres/", keysOnly: true)).Revision;
}
