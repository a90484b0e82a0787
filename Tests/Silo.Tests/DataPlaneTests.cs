using System.Diagnostics;
using System.Text.Json.Nodes;
using MultigresOrleans.KubeSim.DataPlane;
using Xunit.Abstractions;

namespace MultigresOrleans.Silo.Tests;

/// <summary>
/// Pool pods with KubeSim's simulated data plane (pooler records in the real etcd, a simulated multiorch and
/// multiadmin, fake multipooler RPCs) and two silo processes: roles and backup health in status, in-place reload,
/// a rolling update through the four drain states (replicas first, the primary last after a planned switchover),
/// and scaling with the PVC rules (spec §6.6–6.11, docs/drain.md).
/// </summary>
[Collection(OperatorCollection.Name)]
public sealed class DataPlaneTests(OperatorFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan Converge = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan Rollout = TimeSpan.FromSeconds(240);

    private SimulatedDataPlane DataPlane => fixture.Sim.DataPlane ?? throw new InvalidOperationException("the fixture's KubeSim runs without the simulated data plane");

    /// <summary>One cell, one shard, pool `main` with <paramref name="replicas"/> pods, its topology under its own root.</summary>
    private static string Cluster(string ns, string name, int replicas, string workMem = "4MB", string postgresImage = "ghcr.io/multigres/pgctld:sha-66d2310",
        string sharedBuffers = "128MB") => $"""
        apiVersion: v1
        kind: Secret
        metadata:
          name: multigres-admin-password
          namespace: {ns}
        type: Opaque
        stringData:
          password: postgres
        ---
        apiVersion: multigres.com/v1alpha1
        kind: MultigresCluster
        metadata:
          name: {name}
          namespace: {ns}
        spec:
          postgresPasswordSecretRef:
            name: multigres-admin-password
            key: password
          pvcDeletionPolicy:
            whenDeleted: Delete
            whenScaled: Delete
          images:
            postgres: {postgresImage}
          globalTopoServer:
            etcd:
              rootPath: /multigres/{name}
          cells:
            - name: zone-a
              zoneId: us-central1-a
          databases:
            - name: postgres
              default: true
              tablegroups:
                - name: default
                  default: true
                  shards:
                    - name: "0-inf"
                      spec:
                        multiorch:
                          cells: [zone-a]
                        postgresConfig:
                          work_mem: "{workMem}"
                          shared_buffers: "{sharedBuffers}"
                        pools:
                          main:
                            type: readWrite
                            cells: [zone-a]
                            replicasPerCell: {replicas}
        """;

    [Fact]
    public async Task A_shard_reports_roles_and_backup_health_and_reloads_a_reload_only_change_in_place()
    {
        var ns = await fixture.NewNamespaceAsync("dp-reload");
        const string name = "dpreload";
        await ApplyAsync(Cluster(ns, name, replicas: 2));
        var shard = await WaitHealthyWithPrimaryAsync(ns, name, pods: 2);
        var shardName = shard["metadata"]!["name"]!.GetValue<string>();
        var backup = Condition(shard, "BackupHealthy");
        Assert.Equal("True", backup?["status"]?.GetValue<string>());
        Assert.Equal("BackupRecent", backup?["reason"]?.GetValue<string>());
        Assert.NotNull(shard["status"]!["lastBackupTime"]);

        // work_mem is reload-class: the pods stay (same UIDs) and each is stamped with the new reload-hash after a
        // ReloadConfig the fake pooler confirmed.
        var before = await PoolPodsAsync(ns, name);
        var oldHash = before[0]["metadata"]!["annotations"]!["multigres.com/postgres-reload-hash"]!.GetValue<string>();
        await ApplyAsync(Cluster(ns, name, replicas: 2, workMem: "8MB"));
        var after = await Eventually.UntilAsync(() => PoolPodsAsync(ns, name),
            pods => pods.Count == 2 && pods.All(p => ReloadHash(p) is { } h && h != oldHash),
            $"both pool pods of {name} to carry a new reload-hash\n{fixture.SiloLogs}", Converge);
        Assert.Equal(before.Select(Uid).Order(), after.Select(Uid).Order());
        Assert.Contains(DataPlane.Calls, c => c.Namespace == ns && c.Method.EndsWith("ReloadConfig", StringComparison.Ordinal) && c.Status == GrpcStatus.Ok);

        // shared_buffers is restart-class: the same kind of edit now replaces both pods through the drain machine.
        await ApplyAsync(Cluster(ns, name, replicas: 2, workMem: "8MB", sharedBuffers: "256MB"));
        await WithDiagnosticsAsync(ns, () => Eventually.UntilAsync(() => PoolPodsAsync(ns, name),
            pods => pods.Count == 2 && pods.All(p => !after.Select(Uid).Contains(Uid(p)) && Ready(p)),
            $"both pool pods of {name} to be replaced after a restart-class change", Rollout));

        // Backups age with no event: the periodic check (or any pass) turns BackupHealthy False once the newest is over 25 h.
        DataPlane.AgeBackups(new ShardRef($"/multigres/{name}", "postgres", "default", "0-inf"), TimeSpan.FromHours(30));
        OperatorFixture.Ok(await fixture.Kubectl.RunAsync("annotate", "shard", shardName, "-n", ns, "test.multigres.com/poke=1", "--overwrite"));
        var stale = await Eventually.UntilAsync(() => GetAsync("shard", shardName, ns),
            s => Condition(s!, "BackupHealthy")?["status"]?.GetValue<string>() == "False",
            $"BackupHealthy to turn False on {shardName}\n{fixture.SiloLogs}", Converge);
        Assert.Equal("BackupStale", Condition(stale!, "BackupHealthy")!["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Changing_an_image_rolls_every_pool_pod_through_the_four_drain_states_replicas_first_and_the_primary_last()
    {
        var ns = await fixture.NewNamespaceAsync("dp-roll");
        const string name = "dproll";
        await ApplyAsync(Cluster(ns, name, replicas: 3));
        var shard = await WaitHealthyWithPrimaryAsync(ns, name, pods: 3);
        var roles = shard["status"]!["podRoles"]!.AsObject();
        var primary = roles.Single(r => r.Value!.GetValue<string>() == "PRIMARY").Key;
        var auditStart = fixture.Sim.Audit.Entries.Count;

        // Watched from before the change: the Shard says RollingUpdate=True while its pods are drifted.
        var rollingSeen = Eventually.UntilAsync(() => ShardAsync(ns, name),
            s => Condition(s!, "RollingUpdate")?["status"]?.GetValue<string>() == "True",
            $"the RollingUpdate condition of {name} to turn True during the rollout", Rollout);
        var started = Stopwatch.GetTimestamp();
        await ApplyAsync(Cluster(ns, name, replicas: 3, postgresImage: "ghcr.io/multigres/pgctld:sha-rollout"));
        await Eventually.UntilAsync(() => PoolPodsAsync(ns, name),
            pods => pods.Count == 3 && pods.All(p => Image(p) == "ghcr.io/multigres/pgctld:sha-rollout" && Ready(p)),
            $"every pool pod of {name} to run the new image and be Ready\n{fixture.SiloLogs}", Rollout);
        await WaitHealthyWithPrimaryAsync(ns, name, pods: 3);
        var rolling = Condition((await rollingSeen)!, "RollingUpdate")!;
        Assert.Equal("PodsDrifted", rolling["reason"]!.GetValue<string>());
        var settled = await Eventually.UntilAsync(() => ShardAsync(ns, name),
            s => Condition(s!, "RollingUpdate")?["status"]?.GetValue<string>() == "False",
            $"the RollingUpdate condition of {name} to turn False once every pod is current", Rollout);
        Assert.Equal("All pods up to date", Condition(settled!, "RollingUpdate")!["message"]!.GetValue<string>());
        output.WriteLine($"rolling update of 3 pool pods (1 cell) took {Stopwatch.GetElapsedTime(started).TotalSeconds:F1} s");

        // Each pod's drain states, in the order the API server stored them (the audit log records the stored object).
        var sequences = fixture.Sim.Audit.Entries.Skip(auditStart)
            .Where(e => e["objectRef"]?["resource"]?.GetValue<string>() == "pods" && e["objectRef"]?["namespace"]?.GetValue<string>() == ns
                && e["drainState"] is not null)
            .Select((e, i) => (Pod: e["objectRef"]!["name"]!.GetValue<string>(), State: e["drainState"]!.GetValue<string>(), Index: i))
            .GroupBy(x => x.Pod)
            .ToDictionary(g => g.Key, g => g.Select(x => (x.State, x.Index)).ToList());
        string[] protocol = ["requested", "draining", "acknowledged", "ready-for-deletion"];
        Assert.Equal(3, sequences.Count);
        foreach (var (pod, states) in sequences)
        {
            var distinct = states.Select(s => s.State).Distinct().ToArray();
            Assert.True(protocol.SequenceEqual(distinct), $"pod {pod} went through [{string.Join(", ", distinct)}], expected [{string.Join(", ", protocol)}]");
        }

        // Replicas first: the primary's drain starts after every replica's drain has finished.
        var primaryStart = sequences[primary].First(s => s.State == "requested").Index;
        foreach (var (pod, states) in sequences.Where(s => s.Key != primary))
            Assert.True(states.Last(s => s.State == "ready-for-deletion").Index < primaryStart, $"replica {pod} finished before primary {primary} started draining");

        // The primary stepped down by a planned switchover, not by losing its pod.
        var switchover = Assert.Single(DataPlane.Switchovers, s => s.Namespace == ns);
        Assert.Equal($"{ns}/{primary}", switchover.OldPrimary);
    }

    [Fact]
    public async Task Scaling_up_creates_the_missing_pod_and_scaling_down_drains_the_highest_index_and_orphans_its_volume()
    {
        var ns = await fixture.NewNamespaceAsync("dp-scale");
        const string name = "dpscale";
        await ApplyAsync(Cluster(ns, name, replicas: 2));
        await WaitHealthyWithPrimaryAsync(ns, name, pods: 2);

        await ApplyAsync(Cluster(ns, name, replicas: 3));
        var grown = await Eventually.UntilAsync(() => PoolPodsAsync(ns, name), pods => pods.Count == 3 && pods.All(Ready),
            $"a third Ready pool pod in {name}\n{fixture.SiloLogs}", Converge);
        var third = grown.Select(p => p["metadata"]!["name"]!.GetValue<string>()).Single(n => n.EndsWith("-2", StringComparison.Ordinal));
        await WaitHealthyWithPrimaryAsync(ns, name, pods: 3);
        var auditStart = fixture.Sim.Audit.Entries.Count;

        await ApplyAsync(Cluster(ns, name, replicas: 2));
        await WithDiagnosticsAsync(ns, () => Eventually.UntilAsync(() => PoolPodsAsync(ns, name),
            pods => pods.Count == 2 && pods.All(p => p["metadata"]!["name"]!.GetValue<string>() != third),
            $"pod {third} to be drained and deleted", Converge));
        var states = fixture.Sim.Audit.Entries.Skip(auditStart)
            .Where(e => e["objectRef"]?["name"]?.GetValue<string>() == third && e["drainState"] is not null)
            .Select(e => e["drainState"]!.GetValue<string>()).Distinct().ToArray();
        Assert.Equal(["requested", "draining", "acknowledged", "ready-for-deletion"], states);

        // Two live PVCs would remain, fewer than three: the retired pod's PVC is kept as an orphan, released by the Shard.
        var pvc = await Eventually.UntilAsync(() => GetAsync("persistentvolumeclaim", "data-" + third, ns),
            p => p?["metadata"]?["labels"]?["multigres.com/orphan-since"] is not null,
            $"PVC data-{third} to be labelled orphan\n{fixture.SiloLogs}", Converge);
        Assert.DoesNotContain(pvc!["metadata"]!["ownerReferences"]?.AsArray() ?? [], o => o!["kind"]!.GetValue<string>() == "Shard");

        // A pod deleted by someone else comes back under its name, a new object, and Ready.
        var victim = (await PoolPodsAsync(ns, name)).First();
        var victimName = victim["metadata"]!["name"]!.GetValue<string>();
        OperatorFixture.Ok(await fixture.Kubectl.RunAsync("delete", "pod", victimName, "-n", ns, "--wait=false"));
        await WithDiagnosticsAsync(ns, () => Eventually.UntilAsync(() => GetAsync("pod", victimName, ns),
            p => p is not null && Uid(p) != Uid(victim) && Ready(p), $"pod {victimName} to be recreated and Ready", Converge));
    }

    [Fact]
    public async Task A_pooler_that_died_without_a_word_is_marked_SHUTDOWN_only_after_the_grace_period()
    {
        var ns = await fixture.NewNamespaceAsync("dp-dead");
        const string name = "dpdead";
        await ApplyAsync(Cluster(ns, name, replicas: 3));
        await WaitHealthyWithPrimaryAsync(ns, name, pods: 3);
        var third = (await PoolPodsAsync(ns, name)).Select(p => p["metadata"]!["name"]!.GetValue<string>()).Single(n => n.EndsWith("-2", StringComparison.Ordinal));
        var key = DataPlane.Pooler(ns, third)?.Key ?? throw new InvalidOperationException($"{third} has no pooler record");
        // Its pooler will die with its pod without writing SHUTDOWN (a crash): only the operator can mark the record.
        DataPlane.SetCrashOnStop(ns, third);

        await ApplyAsync(Cluster(ns, name, replicas: 2));
        await WithDiagnosticsAsync(ns, () => Eventually.UntilAsync(() => PoolPodsAsync(ns, name),
            pods => pods.Count == 2 && pods.All(p => p["metadata"]!["name"]!.GetValue<string>() != third),
            $"pod {third} to be drained and deleted", Converge));
        var deletedAt = DateTimeOffset.Parse(fixture.Sim.Audit.Entries
            .Last(e => e["verb"]?.GetValue<string>() == "delete" && e["objectRef"]?["resource"]?.GetValue<string>() == "pods"
                && e["objectRef"]?["name"]?.GetValue<string>() == third)["stageTimestamp"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);

        var record = await Eventually.UntilAsync(async () => await fixture.Etcd.GetAsync(key) is { } kv
                ? Grains.Topology.ClusterMetadata.Multipooler.Parser.ParseFrom(kv.Value) : null,
            r => r?.LifecycleStatus?.Status == Grains.Topology.ClusterMetadata.PoolerLifecycleStatus.LifecycleShutdown,
            $"the record of {third} ({key}) to be marked SHUTDOWN\n{fixture.SiloLogs}", Converge);
        Assert.Equal(Grains.Topology.TopologyRecords.DeadPoolerReason, record!.LifecycleStatus.Reason);
        var markedAfter = record.LifecycleStatus.Updated.ToDateTimeOffset() - deletedAt;
        output.WriteLine($"record of {third} marked SHUTDOWN {markedAfter.TotalSeconds:F1} s after its pod was deleted (grace {OperatorFixture.DeadPoolerGraceSeconds} s)");
        // Never before the grace period: the operator cannot have seen the pod missing before it was deleted.
        Assert.True(markedAfter >= TimeSpan.FromSeconds(OperatorFixture.DeadPoolerGraceSeconds - 0.5),
            $"marked {markedAfter.TotalSeconds:F1} s after the pod was deleted, inside the {OperatorFixture.DeadPoolerGraceSeconds} s grace period");
    }

    [Fact]
    public async Task A_quarantined_replica_is_replaced_with_a_fresh_volume()
    {
        var ns = await fixture.NewNamespaceAsync("dp-quarantine");
        const string name = "dpquar";
        await ApplyAsync(Cluster(ns, name, replicas: 2));
        var shard = await WaitHealthyWithPrimaryAsync(ns, name, pods: 2);
        await Eventually.UntilAsync(() => ShardAsync(ns, name), s => Condition(s!, "BackupHealthy")?["status"]?.GetValue<string>() == "True",
            "BackupHealthy True (remediation restores from a backup)", Converge);
        var replica = shard["status"]!["podRoles"]!.AsObject().Single(r => r.Value!.GetValue<string>() == "REPLICA").Key;
        var pod = (await GetAsync("pod", replica, ns))!;
        var pvc = (await GetAsync("persistentvolumeclaim", "data-" + replica, ns))!;

        // The pooler reports itself QUARANTINED (the annotation stays with this pod object, not with its replacement).
        OperatorFixture.Ok(await fixture.Kubectl.RunAsync("annotate", "pod", replica, "-n", ns, $"{DataPlaneAnnotations.Quarantine}=postgres unrecoverable"));
        await WithDiagnosticsAsync(ns, () => Eventually.UntilAsync(async () => (Pod: await GetAsync("pod", replica, ns), Pvc: await GetAsync("persistentvolumeclaim", "data-" + replica, ns)),
            x => x.Pod is not null && Uid(x.Pod) != Uid(pod) && Ready(x.Pod) && x.Pvc is not null && Uid(x.Pvc) != Uid(pvc),
            $"pod {replica} and its data PVC to be replaced", Converge));
        var events = await fixture.Kubectl.RunAsync("get", "events", "-n", ns, "-o", "json");
        Assert.Contains(JsonNode.Parse(events.Stdout)!["items"]!.AsArray(), e => e!["reason"]?.GetValue<string>() == "QuarantineRemediation"
            && e["message"]!.GetValue<string>().StartsWith($"Replacing quarantined pod {replica} (reason: postgres unrecoverable)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Killing_a_silo_in_the_middle_of_a_rolling_update_lets_the_other_finish_it_without_draining_a_pod_twice()
    {
        var ns = await fixture.NewNamespaceAsync("dp-kill");
        const string name = "dpkill";
        await ApplyAsync(Cluster(ns, name, replicas: 3));
        await WaitHealthyWithPrimaryAsync(ns, name, pods: 3);
        var auditStart = fixture.Sim.Audit.Entries.Count;

        await ApplyAsync(Cluster(ns, name, replicas: 3, postgresImage: "ghcr.io/multigres/pgctld:sha-failover"));
        await Eventually.UntilAsync(() => Task.FromResult(DrainEntries(auditStart, ns).ToList()),
            entries => entries.Any(e => e.State == "draining"), "a pool pod to be draining", Converge);
        // SIGKILL the silo that runs the drain (its pod grain logged the start), mid-protocol.
        var victim = fixture.Silos.Where(s => !s.HasExited).FirstOrDefault(s => s.Log.Any(l => l.Contains($"pod {ns}/", StringComparison.Ordinal)))
            ?? fixture.Silos.First(s => !s.HasExited);
        victim.Kill();

        await WithDiagnosticsAsync(ns, () => Eventually.UntilAsync(() => PoolPodsAsync(ns, name),
            pods => pods.Count == 3 && pods.All(p => Image(p) == "ghcr.io/multigres/pgctld:sha-failover" && Ready(p)),
            $"the surviving silo to finish the rolling update of {name} after {victim.Name} was killed", Rollout));
        await fixture.StartSiloAsync(victim.Name + "-replacement"); // later tests expect two silos

        // Exactly one drain per pod: a drain starts where a pod's drain state goes from none to requested.
        foreach (var pod in DrainEntries(auditStart, ns).GroupBy(e => e.Pod))
        {
            var starts = 0;
            string? previous = null;
            foreach (var entry in pod)
            {
                if (entry.State == "requested" && previous != "requested")
                    starts++;
                previous = entry.State;
            }

            Assert.True(starts == 1, $"pod {pod.Key} was drained {starts} times: [{string.Join(", ", pod.Select(e => e.State ?? "none"))}]");
        }
    }

    /// <summary>Every audited pool-pod write in <paramref name="ns"/> since <paramref name="from"/>, with the drain state it stored (null: none).</summary>
    private IEnumerable<(string Pod, string? State)> DrainEntries(int from, string ns) =>
        fixture.Sim.Audit.Entries.Skip(from)
            .Where(e => e["objectRef"]?["resource"]?.GetValue<string>() == "pods" && e["objectRef"]?["namespace"]?.GetValue<string>() == ns
                && e["objectRef"]?["name"]?.GetValue<string>() is { } n && n.Contains("-pool-", StringComparison.Ordinal))
            .Select(e => (e["objectRef"]!["name"]!.GetValue<string>(), e["drainState"]?.GetValue<string>()));

    /// <summary>On a timeout, adds what the namespace looks like: events, pods with their drain annotations, the shard's status.</summary>
    private async Task WithDiagnosticsAsync(string ns, Func<Task> wait)
    {
        try
        {
            await wait();
        }
        catch (TimeoutException exception)
        {
            var events = await fixture.Kubectl.RunAsync("get", "events", "-n", ns, "-o", "custom-columns=TYPE:.type,REASON:.reason,MESSAGE:.message");
            var pods = await fixture.Kubectl.RunAsync("get", "pods", "-n", ns, "-o",
                "custom-columns=NAME:.metadata.name,DRAIN:.metadata.annotations.drain\\.multigres\\.com/state,DELETING:.metadata.deletionTimestamp");
            var shards = await fixture.Kubectl.RunAsync("get", "shards", "-n", ns, "-o", "jsonpath={.items[*].status}");
            throw new TimeoutException($"{exception.Message}\nevents:\n{events.Stdout}\npods:\n{pods.Stdout}\nshard status: {shards.Stdout}\n{fixture.SiloLogs}", exception);
        }
    }

    private async Task ApplyAsync(string manifest) =>
        OperatorFixture.Ok(await fixture.Kubectl.RunAsync(["apply", "-f", "-"], manifest));

    /// <summary>Waits until the cluster is Healthy and its shard reports <paramref name="pods"/> roles, exactly one PRIMARY.</summary>
    private async Task<JsonNode> WaitHealthyWithPrimaryAsync(string ns, string cluster, int pods)
    {
        await Eventually.UntilAsync(() => fixture.Kubectl.RunAsync("get", "mgc", cluster, "-n", ns, "-o", "jsonpath={.status.phase}"),
            r => r.Stdout == "Healthy", $"{cluster} to be Healthy\n{fixture.SiloLogs}", Converge);
        return (await Eventually.UntilAsync(() => ShardAsync(ns, cluster),
            s => s?["status"]?["podRoles"]?.AsObject() is { } roles && roles.Count == pods
                && roles.Count(r => r.Value!.GetValue<string>() == "PRIMARY") == 1
                && Condition(s, "BackupHealthy") is not null,
            $"the shard of {cluster} to report {pods} pod roles with one PRIMARY and a BackupHealthy condition\n{fixture.SiloLogs}", Converge))!;
    }

    private async Task<JsonNode?> ShardAsync(string ns, string cluster)
    {
        var list = await fixture.Kubectl.RunAsync("get", "shards", "-n", ns, "-l", $"multigres.com/cluster={cluster}", "-o", "json");
        return list.ExitCode == 0 ? JsonNode.Parse(list.Stdout)!["items"]!.AsArray().FirstOrDefault() : null;
    }

    private async Task<List<JsonNode>> PoolPodsAsync(string ns, string cluster)
    {
        var list = await fixture.Kubectl.RunAsync("get", "pods", "-n", ns, "-l", $"multigres.com/cluster={cluster},app.kubernetes.io/component=shard-pool", "-o", "json");
        return list.ExitCode == 0
            ? [.. JsonNode.Parse(list.Stdout)!["items"]!.AsArray().Where(p => p!["metadata"]!["deletionTimestamp"] is null).Select(p => p!)]
            : [];
    }

    private async Task<JsonNode?> GetAsync(string kind, string name, string ns)
    {
        var result = await fixture.Kubectl.RunAsync("get", kind, name, "-n", ns, "-o", "json");
        return result.ExitCode == 0 ? JsonNode.Parse(result.Stdout) : null;
    }

    private static JsonNode? Condition(JsonNode obj, string type) =>
        obj["status"]?["conditions"]?.AsArray().FirstOrDefault(c => c!["type"]!.GetValue<string>() == type);

    private static string Uid(JsonNode pod) => pod["metadata"]!["uid"]!.GetValue<string>();

    private static string? ReloadHash(JsonNode pod) => pod["metadata"]?["annotations"]?["multigres.com/postgres-reload-hash"]?.GetValue<string>();

    private static string? Image(JsonNode pod) =>
        pod["spec"]!["initContainers"]?.AsArray().FirstOrDefault(c => c!["name"]!.GetValue<string>() == "postgres")?["image"]?.GetValue<string>();

    private static bool Ready(JsonNode pod) =>
        pod["status"]?["conditions"]?.AsArray().Any(c => c!["type"]!.GetValue<string>() == "Ready" && c["status"]!.GetValue<string>() == "True") == true;
}
