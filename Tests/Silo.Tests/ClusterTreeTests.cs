using System.Text.Json.Nodes;
using MultigresOrleans.Grains.Topology;
using MultigresOrleans.Kubernetes.Client;

namespace MultigresOrleans.Silo.Tests;

/// <summary>
/// `kubectl apply` of a MultigresCluster and what the operator (two silo processes) makes of it:
/// names, labels and owner references of spec §4–5, the etcd topology records, self-healing of
/// deleted or hand-edited children, and retirement of a removed table group.
/// </summary>
[Collection(OperatorCollection.Name)]
public sealed class ClusterTreeTests(OperatorFixture fixture)
{
    private static readonly TimeSpan Converge = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Minimal_produces_the_names_labels_and_owners_of_the_spec_and_registers_the_topology()
    {
        var ns = await fixture.NewNamespaceAsync("minimal");
        await ApplyAsync(Samples.Minimal(ns));

        // Spec §4.2, the `minimal` vectors.
        var cell = await GetEventuallyAsync("cell", "minimal-zone-a-96c88ae0", ns);
        var tableGroup = await GetEventuallyAsync("tablegroup", "minimal-postgres-default-f7d4ad4a", ns);
        var shard = await GetEventuallyAsync("shard", "minimal-postgres-default-0-inf-1e3c045c", ns);
        var topo = await GetEventuallyAsync("toposerver", "minimal-global-topo", ns);
        var gateway = await GetEventuallyAsync("deployment", "minimal-zone-a-multigateway-0ccc2e8b", ns);
        await GetEventuallyAsync("service", "minimal-zone-a-multigateway-0ccc2e8b", ns);
        foreach (var name in new[] { "minimal-multiadmin", "minimal-multiadmin-web" })
        {
            await GetEventuallyAsync("deployment", name, ns);
            await GetEventuallyAsync("service", name, ns);
        }

        foreach (var name in new[] { "minimal-multigateway", "minimal-multigateway-replica", "minimal-global-topo", "minimal-global-topo-headless" })
            await GetEventuallyAsync("service", name, ns);
        await GetEventuallyAsync("statefulset", "minimal-global-topo", ns);

        // Spec §5: standard labels, the multigres labels, and a controller owner reference to the immediate parent.
        AssertLabels(cell, "cell", ("multigres.com/cluster", "minimal"), ("multigres.com/cell", "zone-a"));
        AssertOwner(cell, "MultigresCluster", "minimal");
        AssertLabels(tableGroup, "tablegroup", ("multigres.com/cluster", "minimal"), ("multigres.com/database", "postgres"), ("multigres.com/tablegroup", "default"));
        AssertOwner(tableGroup, "MultigresCluster", "minimal");
        AssertLabels(shard, "shard", ("multigres.com/cluster", "minimal"), ("multigres.com/shard", "0-inf"));
        AssertOwner(shard, "TableGroup", "minimal-postgres-default-f7d4ad4a");
        AssertLabels(topo, "global-topo", ("multigres.com/cluster", "minimal"));
        AssertOwner(topo, "MultigresCluster", "minimal");
        AssertLabels(gateway, "multigateway", ("multigres.com/cell", "zone-a"), ("multigres.com/zone-id", "us-central1-a"));
        Assert.False(gateway["metadata"]!["labels"]!.AsObject().ContainsKey("multigres.com/cluster")); // §6.3: the gateway carries no cluster label
        AssertOwner(gateway, "Cell", "minimal-zone-a-96c88ae0");

        // Spec §7.2: the cell and database records, as protobuf, in the global topology.
        using var store = new TopologyStore(fixture.Etcd, "/multigres/global");
        var record = await Eventually.UntilAsync(() => store.GetCellAsync("zone-a"), r => r is not null, "the zone-a Cell record in etcd");
        Assert.Equal(["minimal-global-topo." + ns + ".svc:2379"], record!.Value.ServerAddresses);
        Assert.Equal("/multigres/global", record.Value.Root);
        var database = await Eventually.UntilAsync(() => store.GetDatabaseAsync("postgres"), r => r is not null, "the postgres Database record in etcd");
        Assert.Equal(["zone-a"], database!.Value.Cells);
        Assert.Equal("AT_LEAST_2", database.Value.BootstrapDurabilityPolicy.PolicyName);
        Assert.Equal(2, database.Value.BootstrapDurabilityPolicy.RequiredCount);

        // The pool pods of spec §4.2 exist, and the whole tree converges to Healthy.
        await GetEventuallyAsync("pod", "minimal-postgres-default-0-inf-pool-default-zone-a-a3a0d77b-0", ns);
        await GetEventuallyAsync("pod", "minimal-postgres-default-0-inf-pool-default-zone-a-a3a0d77b-1", ns);
        await GetEventuallyAsync("persistentvolumeclaim", "data-minimal-postgres-default-0-inf-pool-default-zone-a-a3a0d77b-0", ns);
        await GetEventuallyAsync("service", "minimal-postgres-default-0-inf-pool-default-zone-a-h---22cdf02c", ns);
        await GetEventuallyAsync("poddisruptionbudget", "minimal-postgres-default-0-inf-pool-default-zone-a-pdb-6a4f8455", ns);
        await GetEventuallyAsync("deployment", "minimal-postgres-default-0-inf-multiorch-zone-a-bbe2a333", ns);

        // Spec §8.2: the generated pgBackRest CA and server Secrets, owned by the Shard, the server certificate naming every pool cell.
        var caSecret = await GetEventuallyAsync("secret", "minimal-postgres-default-0-inf-1e3c045c-pgbackrest-ca", ns);
        var tlsSecret = await GetEventuallyAsync("secret", "minimal-postgres-default-0-inf-1e3c045c-pgbackrest-tls", ns);
        AssertOwner(caSecret, "Shard", "minimal-postgres-default-0-inf-1e3c045c");
        AssertOwner(tlsSecret, "Shard", "minimal-postgres-default-0-inf-1e3c045c");
        using (var certificate = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(
            System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(tlsSecret["data"]!["tls.crt"]!.GetValue<string>()))))
        {
            var names = certificate.Extensions.OfType<System.Security.Cryptography.X509Certificates.X509SubjectAlternativeNameExtension>()
                .SelectMany(e => e.EnumerateDnsNames()).ToList();
            Assert.Contains($"pgbackrest.{ns}.svc", names);
            Assert.Contains($"*.minimal-postgres-default-0-inf-pool-default-zone-a-h---22cdf02c.{ns}.svc.cluster.local", names);
        }
        await Eventually.UntilAsync(() => fixture.Kubectl.RunAsync("get", "mgc", "minimal", "-n", ns, "-o", "jsonpath={.status.phase}"),
            r => r.Stdout == "Healthy", $"minimal to be Healthy\n{fixture.SiloLogs}", Converge);

        // The simulated data plane's roles reach the Shard's status: one PRIMARY and one REPLICA of the two pool pods.
        var withRoles = await Eventually.UntilAsync(() => TryGetAsync("shard", "minimal-postgres-default-0-inf-1e3c045c", ns),
            s => s?["status"]?["podRoles"]?.AsObject() is { Count: 2 } roles && roles.Any(r => r.Value!.GetValue<string>() == "PRIMARY"),
            $"two pod roles with a PRIMARY on the minimal shard\n{fixture.SiloLogs}", Converge);
        Assert.Equal(["PRIMARY", "REPLICA"], withRoles!["status"]!["podRoles"]!.AsObject().Select(r => r.Value!.GetValue<string>()).Order());

        // `kubectl get mgc` shows Phase and Available.
        var table = await Eventually.UntilAsync(() => fixture.Kubectl.RunAsync("get", "mgc", "minimal", "-n", ns),
            r => r.ExitCode == 0 && r.Stdout.Contains("True", StringComparison.Ordinal), "kubectl get mgc to show Available True");
        Assert.Contains("PHASE", table.Stdout, StringComparison.Ordinal);
        Assert.Contains("AVAILABLE", table.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_EKS_guide_manifest_produces_its_three_cells_and_shard_and_reaches_Healthy()
    {
        // eks-multi-az.yaml as the public EKS guide ships it (its own namespace eks-demo), its topology under its own root.
        await ApplyAsync(Samples.EksMultiAz());
        const string Ns = "eks-demo";
        foreach (var cell in new[] { "demo-multi-az-zone-a-6bb3393a", "demo-multi-az-zone-b-45b0bed1", "demo-multi-az-zone-d-29bf9d47" })
            await GetEventuallyAsync("cell", cell, Ns);
        await GetEventuallyAsync("shard", "demo-multi-az-postgres-default-0-inf-36e808c2", Ns);
        await GetEventuallyAsync("pod", "demo-multi-az-postgres-default-0-inf-pool-default---8a186ab1-0", Ns);
        await Eventually.UntilAsync(() => fixture.Kubectl.RunAsync("get", "mgc", "demo-multi-az", "-n", Ns, "-o", "jsonpath={.status.phase}"),
            r => r.Stdout == "Healthy", $"demo-multi-az to be Healthy\n{fixture.SiloLogs}", TimeSpan.FromSeconds(120));

        // One pool pod per zone, all Ready, and the simulated data plane's roles in status: one PRIMARY, two REPLICAs.
        var shard = await Eventually.UntilAsync(() => TryGetAsync("shard", "demo-multi-az-postgres-default-0-inf-36e808c2", Ns),
            s => s?["status"]?["podRoles"]?.AsObject() is { Count: 3 } roles && roles.Count(r => r.Value!.GetValue<string>() == "PRIMARY") == 1,
            $"three pod roles with one PRIMARY on the EKS shard\n{fixture.SiloLogs}", TimeSpan.FromSeconds(120));
        Assert.Equal(2, shard!["status"]!["podRoles"]!.AsObject().Count(r => r.Value!.GetValue<string>() == "REPLICA"));
    }

    [Fact]
    public async Task A_deleted_child_is_recreated_and_a_hand_edit_is_reverted()
    {
        var ns = await fixture.NewNamespaceAsync("heal");
        await ApplyAsync(Samples.Minimal(ns, "heal"));
        var gateway = await GetEventuallyAsync("deployment", "heal-zone-a-multigateway-7c5f1f9b", ns, byPrefix: "heal-zone-a-multigateway-");
        var gatewayName = gateway["metadata"]!["name"]!.GetValue<string>();
        var oldUid = gateway["metadata"]!["uid"]!.GetValue<string>();

        OperatorFixture.Ok(await fixture.Kubectl.RunAsync("delete", "deployment", gatewayName, "-n", ns));
        await Eventually.UntilAsync(() => TryGetAsync("deployment", gatewayName, ns),
            d => d is not null && d["metadata"]!["uid"]!.GetValue<string>() != oldUid, $"deployment {gatewayName} to be recreated", Converge);

        OperatorFixture.Ok(await fixture.Kubectl.RunAsync("patch", "deployment", "heal-multiadmin", "-n", ns, "--type=merge", "-p", "{\"spec\":{\"replicas\":5}}"));
        await Eventually.UntilAsync(() => TryGetAsync("deployment", "heal-multiadmin", ns),
            d => d?["spec"]?["replicas"]?.GetValue<int>() == 1, "the hand-edited replicas of heal-multiadmin to be put back to 1", Converge);
    }

    [Fact]
    public async Task A_removed_table_group_is_retired_through_pending_deletion()
    {
        var ns = await fixture.NewNamespaceAsync("retire");
        await ApplyAsync(Samples.WithExtraTableGroup(ns, "retire", includeExtra: true));
        var extra = await GetEventuallyAsync("tablegroup", "", ns, byPrefix: "retire-postgres-extra-");
        var extraName = extra["metadata"]!["name"]!.GetValue<string>();
        await GetEventuallyAsync("shard", "", ns, byPrefix: "retire-postgres-extra-0-inf-");

        await ApplyAsync(Samples.WithExtraTableGroup(ns, "retire", includeExtra: false));
        // PendingDeletion → the table group marks its shard → the shard removes its pods and says
        // ReadyForDeletion → so does the table group → the cluster deletes it (spec §6.8.1, §6.2, §6.8.2).
        await Eventually.UntilAsync(() => TryGetAsync("tablegroup", extraName, ns), t => t is null, $"{extraName} to be retired and deleted\n{fixture.SiloLogs}", Converge);
        var events = await Eventually.UntilAsync(() => fixture.Kubectl.RunAsync("get", "events", "-n", ns, "-o", "json"),
            r => r.Stdout.Contains($"Deleted orphaned TableGroup {extraName}", StringComparison.Ordinal), "the Deleted event of the retired table group", Converge);
        Assert.Contains($"Marked TableGroup {extraName} for graceful deletion", events.Stdout, StringComparison.Ordinal);
        Assert.Contains("Marked Shard retire-postgres-extra-0-inf-", events.Stdout, StringComparison.Ordinal);
        Assert.Contains($"TableGroup {extraName} marked ready for deletion", events.Stdout, StringComparison.Ordinal);
        // The default table group is untouched.
        var kept = await GetEventuallyAsync("tablegroup", "", ns, byPrefix: "retire-postgres-default-");
        Assert.Null(kept["metadata"]!["annotations"]?["multigres.com/pending-deletion"]);
    }

    private async Task ApplyAsync(string manifest) => OperatorFixture.Ok(await fixture.Kubectl.RunAsync(["apply", "-f", "-"], manifest));

    private async Task<JsonNode?> TryGetAsync(string kind, string name, string ns)
    {
        var result = await fixture.Kubectl.RunAsync("get", kind, name, "-n", ns, "-o", "json");
        return result.ExitCode == 0 ? JsonNode.Parse(result.Stdout) : null;
    }

    private async Task<JsonNode> GetEventuallyAsync(string kind, string name, string ns, string? byPrefix = null)
    {
        if (byPrefix is null)
            return (await Eventually.UntilAsync(() => TryGetAsync(kind, name, ns), o => o is not null, $"{kind} {ns}/{name} to exist\n{fixture.SiloLogs}", Converge))!;
        var list = await Eventually.UntilAsync(() => fixture.Kubectl.RunAsync("get", kind, "-n", ns, "-o", "json"),
            r => r.ExitCode == 0 && JsonNode.Parse(r.Stdout)!["items"]!.AsArray().Any(i => i!["metadata"]!["name"]!.GetValue<string>().StartsWith(byPrefix, StringComparison.Ordinal)),
            $"a {kind} named {byPrefix}… in {ns}", Converge);
        return JsonNode.Parse(list.Stdout)!["items"]!.AsArray().First(i => i!["metadata"]!["name"]!.GetValue<string>().StartsWith(byPrefix, StringComparison.Ordinal))!;
    }

    private static void AssertLabels(JsonNode obj, string component, params (string Key, string Value)[] extra)
    {
        var labels = obj["metadata"]!["labels"]!.AsObject();
        Assert.Equal("multigres", labels["app.kubernetes.io/name"]!.GetValue<string>());
        Assert.Equal(component, labels["app.kubernetes.io/component"]!.GetValue<string>());
        Assert.Equal("multigres", labels["app.kubernetes.io/part-of"]!.GetValue<string>());
        Assert.Equal("multigres-operator", labels["app.kubernetes.io/managed-by"]!.GetValue<string>());
        foreach (var (key, value) in extra)
            Assert.Equal(value, labels[key]?.GetValue<string>());
    }

    private static void AssertOwner(JsonNode obj, string kind, string name)
    {
        var owner = Assert.Single(obj["metadata"]!["ownerReferences"]!.AsArray());
        Assert.Equal(kind, owner!["kind"]!.GetValue<string>());
        Assert.Equal(name, owner["name"]!.GetValue<string>());
        Assert.True(owner["controller"]!.GetValue<bool>());
        Assert.True(owner["blockOwnerDeletion"]!.GetValue<bool>());
    }
}
