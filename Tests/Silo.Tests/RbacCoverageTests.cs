using System.Text.Json.Nodes;

namespace MultigresOrleans.Silo.Tests;

/// <summary>
/// The operator's RBAC (deploy/operator) grants everything the operator does. The silos of
/// <see cref="OperatorFixture"/> authenticate as the operator's service account and KubeSim enforces
/// the rendered rules, so a missing rule is a 403 somewhere. Many of those would only show as a
/// reconcile retried forever or an event silently lost; this test drives a cluster through its life
/// and then looks for any refused request of the operator's account in the whole run so far.
/// </summary>
[Collection(OperatorCollection.Name)]
public sealed class RbacCoverageTests(OperatorFixture fixture)
{
    [Fact]
    public async Task No_request_of_the_operators_service_account_is_forbidden_through_a_clusters_life()
    {
        var ns = await fixture.NewNamespaceAsync("rbac");
        OperatorFixture.Ok(await fixture.Kubectl.RunAsync(["apply", "-f", "-"], Samples.Minimal(ns, "rbac-minimal")));
        await Eventually.UntilAsync(() => fixture.Kubectl.RunAsync("get", "mgc", "rbac-minimal", "-n", ns, "-o", "json"),
            r => r.ExitCode == 0 && JsonNode.Parse(r.Stdout)?["status"]?["phase"]?.GetValue<string>() == "Healthy",
            $"MultigresCluster rbac-minimal to be Healthy with the silos under RBAC\n{fixture.SiloLogs}", TimeSpan.FromSeconds(120));
        OperatorFixture.Ok(await fixture.Kubectl.RunAsync("delete", "mgc", "rbac-minimal", "-n", ns, "--wait=true", "--timeout=60s"));

        var mine = fixture.Sim.Counters.Snapshot().Where(p => p.Key.User == OperatorFixture.OperatorUser).ToList();
        // The silos really ran as the service account (else the check below would prove nothing).
        Assert.Contains(mine, p => p.Key.Verb == "create" && p.Key.Resource == "pods" && p.Key.Status is 200 or 201);
        Assert.Contains(mine, p => p.Key.Resource == "leases" && p.Key.Status is 200 or 201);
        var forbidden = mine.Where(p => p.Key.Status == 403).Select(p => $"{p.Key.Verb} {p.Key.Resource} ×{p.Value}").ToList();
        Assert.True(forbidden.Count == 0,
            $"deploy/operator's RBAC refused the operator: {string.Join(", ", forbidden)}\n{fixture.SiloLogs}");
    }
}
