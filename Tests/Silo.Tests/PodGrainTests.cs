using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using MultigresOrleans.Grains.Abstractions.Grains;
using MultigresOrleans.Grains.Operator;
using MultigresOrleans.Grains.Pods;
using MultigresOrleans.KubeSim;
using MultigresOrleans.Kubernetes.Client;
using MultigresOrleans.Runtime;

namespace MultigresOrleans.Silo.Tests;

/// <summary>
/// The pod grain on a real (in-process) silo with a fake clock, against KubeSim: it writes the drain annotations,
/// keeps the audit trail, and its durable reminder applies the 5-minute timeout with no shard reconcile at all.
/// </summary>
public sealed class PodGrainTests : IAsyncLifetime
{
    private const string Ns = "pod-grain";
    private const string PodName = "shard-pool-main-zone-a-0";
    private static readonly DateTimeOffset Start = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "pod-grain-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly FakeTimeProvider _clock = new(Start);
    private KubeSimServer _sim = null!;
    private KubernetesClient _client = null!;
    private SiloHost _silo = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        var kubeconfig = Path.Combine(_directory, "kubeconfig");
        _sim = await KubeSimServer.StartAsync(new KubeSimOptions { Https = true, KubeconfigOut = kubeconfig }, TimeProvider.System);
        _client = new KubernetesClient(KubernetesClientConfiguration.FromKubeConfigFile(kubeconfig));
        await _client.Dynamic(KnownResources.Namespaces).CreateAsync(new JsonObject
        {
            ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = Ns },
        });
        await _client.Dynamic(KnownResources.Pods).CreateAsync(new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = new JsonObject { ["name"] = PodName, ["namespace"] = Ns },
            ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "multipooler", ["image"] = "x" }) },
        });

        // KubeSim's kubelet schedules the pod and marks it Ready (status writes change its resourceVersion); wait until it
        // settles, so the grain's patches under the read resourceVersion are not refused as conflicts.
        await Eventually.UntilAsync(PodAsync,
            p => p["status"]?["conditions"]?.AsArray().Any(c => c!["type"]!.GetValue<string>() == "Ready" && c["status"]!.GetValue<string>() == "True") == true,
            $"pod {PodName} to be Ready");

        var resources = new OperatorResources(_client);
        var builder = new SiloHostBuilder()
            .Configure(o => o.SiloName = "pod-grain-test")
            .UseTimeProvider(_clock)
            .AddGrain<IPodGrain, PodGrain>()
            .AddMemoryGrainStorage();
        builder.Services.AddSingleton(new ObservedState(resources));
        builder.Services.AddSingleton(new EventRecorder(resources, _clock, "pod-grain-test", NullLogger<EventRecorder>.Instance));
        _silo = builder.Build();
        await _silo.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _silo.StopAsync();
        await _silo.DisposeAsync();
        _client.Dispose();
        await _sim.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task A_drain_advances_on_facts_and_the_reminder_ends_it_at_the_timeout_with_a_DrainTimedOut_event()
    {
        var grain = _silo.GrainFactory.GetGrain<IPodGrain>(GrainKeys.Of(Ns, PodName));

        var started = await grain.Initiate(new DrainStartRequest("RollingUpdateReplica", "PodUpdated", $"Initiated drain for drifted replica pod {PodName}"));
        Assert.Equal("requested", started.State);
        Assert.Equal("requested", await DrainStateAsync());
        Assert.Equal("2026-06-01T12:00:00Z", (await PodAsync())["metadata"]!["annotations"]!["drain.multigres.com/requested-at"]!.GetValue<string>());
        Assert.Equal(DrainStepResult.Nothing("requested"), await grain.Initiate(new DrainStartRequest("ScaleDown", "DrainStarted", "again"))); // never twice

        // The topology shows the pod's pooler as the primary: committed, then waiting for it to give the role up.
        var primaryFacts = new DrainFacts { TopologyObserved = true, PoolerLifecycle = 2, PoolerServingStatus = 0, PoolerRoutingRole = 1 };
        Assert.Equal("draining", (await grain.Advance(primaryFacts)).State);
        var waiting = await grain.Advance(primaryFacts);
        Assert.Equal("draining", waiting.State);
        Assert.True(waiting.ResignPrimaryRequested);
        Assert.Equal($"waiting for the pooler of pod {PodName} to give up the primary role", (await grain.History()).Waiting);

        // Nobody reconciles the shard any more: the reminder, due just past five minutes, ends the drain by itself.
        await _clock.WhenArmed(Start + TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
        _clock.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
        await Eventually.UntilAsync(DrainStateAsync, s => s == "ready-for-deletion", "the timeout reminder to mark the pod ready-for-deletion");

        var history = await grain.History();
        Assert.Equal(
            [("", "requested", "Started"), ("requested", "draining", "Advanced"), ("draining", "ready-for-deletion", "TimedOut")],
            history.Transitions.Select(t => (t.From ?? "", t.To ?? "", t.Outcome)));
        Assert.Equal("DrainTimedOut", history.Transitions[^1].Reason);
        var events = await _client.Dynamic(KnownResources.Events).ListAsync(Ns);
        Assert.Contains(events.Items, e => e["reason"]?.GetValue<string>() == "DrainTimedOut");
    }

    private async Task<JsonNode> PodAsync() => await _client.Dynamic(KnownResources.Pods).GetAsync(PodName, Ns);

    private async Task<string?> DrainStateAsync() => (await PodAsync())["metadata"]?["annotations"]?["drain.multigres.com/state"]?.GetValue<string>();
}
