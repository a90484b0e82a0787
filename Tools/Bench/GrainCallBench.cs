using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MultigresOrleans.KubeSim;
using MultigresOrleans.Kubernetes.Client;
using MultigresOrleans.Runtime;
using MultigresOrleans.Runtime.Membership.Kubernetes;
using MultigresOrleans.Runtime.Placement;
using MultigresOrleans.Runtime.Transport;

namespace MultigresOrleans.Bench;

public interface IBenchCounterGrain : IGrainWithStringKey
{
    Task<int> Increment();
}

public sealed class BenchCounterGrain : Grain, IBenchCounterGrain
{
    private int _count;

    public Task<int> Increment() => Task.FromResult(++_count);
}

/// <summary>
/// The grain runtime as the operator deploys it: two silos on Lease membership in KubeSim (default
/// timings) calling each other over the HMAC-authenticated HTTP/2 transport, and a client in the
/// webhook's mode. Measures, side by side: (a) a call to a grain on the calling silo, (b) the same
/// call to a grain on the other silo, (c) from a client that hosts nothing; then the two-phase
/// handoffs: how long a joining silo takes to be given its share, and how long a graceful leave
/// (what SIGTERM does) takes until the remaining silo serves every partition.
/// </summary>
internal static class GrainCallBench
{
    private const string Namespace = "grains-bench";
    private const string ClusterName = "bench";
    private const int HandoffRounds = 5;

    public static async Task RunAsync(int iterations, int warmup)
    {
        var work = Path.Combine(Path.GetTempPath(), "multigres-grain-bench-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(work);
        try
        {
            var kubeconfig = Path.Combine(work, "kubeconfig");
            await using var sim = await KubeSimServer.StartAsync(
                new KubeSimOptions { KubeconfigOut = kubeconfig, SimulateControllers = false }, TimeProvider.System, b => b.ClearProviders());
            using var api = new KubernetesClient(KubernetesClientConfiguration.FromKubeConfigFile(kubeconfig), new KubernetesClientOptions { MaxRetries = 0 });
            await api.Dynamic(KnownResources.Namespaces).CreateAsync(new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "Namespace",
                ["metadata"] = new JsonObject { ["name"] = Namespace },
            });
            var key = RandomNumberGenerator.GetBytes(32);

            await using var silo0 = await StartSiloAsync(api, key, "silo-0");
            var silo1 = await StartSiloAsync(api, key, "silo-1");
            await WaitAsync(() => Balanced(silo0, silo1), "silo-0 and silo-1 to share the partitions");

            await using var membership = KubernetesMembership.ForClient(api, Options(), "bench-client", PartitionHash.DefaultPartitionCount, NullLogger.Instance);
            await membership.StartAsync();
            await using var client = new ClusterClientBuilder()
                .AddGrainInterface<IBenchCounterGrain>()
                .UseMembership(membership)
                .Configure(o => o.SharedKey = key)
                .Build();

            var onSilo0 = KeyOwnedBy(silo0);
            var onSilo1 = KeyOwnedBy(silo1);
            Func<int, Task> local = _ => silo0.GrainFactory.GetGrain<IBenchCounterGrain>(onSilo0).Increment();
            Func<int, Task> remote = _ => silo0.GrainFactory.GetGrain<IBenchCounterGrain>(onSilo1).Increment();
            Func<int, Task> fromClient = _ => client.GetGrain<IBenchCounterGrain>(onSilo1).Increment();

            // Warm every path together first, so the JIT's tiering does not favour whichever runs last.
            for (var i = 0; i < warmup; i++)
            {
                await local(i);
                await remote(i);
                await fromClient(i);
            }

            var localTimes = await Measurement.MeasureAsync(0, iterations, local);
            var remoteTimes = await Measurement.MeasureAsync(0, iterations, remote);
            var clientTimes = await Measurement.MeasureAsync(0, iterations, fromClient);
            var count = await silo0.GrainFactory.GetGrain<IBenchCounterGrain>(onSilo1).Increment();
            if (count != 2 * (iterations + warmup) + 1)
                throw new InvalidOperationException($"the remote grain counted {count} calls, expected {2 * (iterations + warmup) + 1}: a call ran twice or not at all");

            Console.WriteLine();
            Console.WriteLine($"Grain call latency, {iterations} sequential calls after {warmup} warm-up, two silos on Lease membership, {Environment.ProcessorCount} cores:");
            Console.WriteLine(Measurement.LineMicroseconds("(a) local: silo-0 → grain on silo-0", localTimes));
            Console.WriteLine(Measurement.LineMicroseconds("(b) silo-0 → grain on silo-1 (HTTP/2, HMAC)", remoteTimes));
            Console.WriteLine(Measurement.LineMicroseconds("(c) client → grain on silo-1 (HTTP/2, HMAC)", clientTimes));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"ratio (b)/(a): p50 {remoteTimes.P50 / localTimes.P50:F0}x, p99 {remoteTimes.P99 / localTimes.P99:F0}x"));

            // Handoffs: silo-1 leaves gracefully; a fresh silo joins and leaves again, HandoffRounds times.
            var joins = new List<double>();
            var leaves = new List<double>();
            var leaving = silo1;
            for (var round = 0; ; round++)
            {
                var started = Stopwatch.GetTimestamp();
                var stopping = leaving.StopAsync();
                await WaitAsync(() => OwnsAll(silo0), "silo-0 to serve every partition after the other silo's graceful stop");
                leaves.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                await stopping;
                await leaving.DisposeAsync();
                if (round + 1 == HandoffRounds)
                    break;

                started = Stopwatch.GetTimestamp();
                leaving = await StartSiloAsync(api, key, $"silo-{round + 2}");
                await WaitAsync(() => Balanced(silo0, leaving), "the joining silo to be given its partitions");
                joins.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }

            Console.WriteLine($"Two-phase handoff on Leases (default timings: lease 10 s, renew 3 s), {HandoffRounds} graceful leaves and {joins.Count} joins:");
            Console.WriteLine(Measurement.Line("graceful leave: stop → survivor owns all", Measurement.Of([.. leaves])));
            Console.WriteLine(Measurement.Line("join: start → new silo serves its share", Measurement.Of([.. joins])));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"graceful leave vs waiting for lease expiry (10 s): {10_000 / Measurement.Of([.. leaves]).P50:F0}x faster at p50"));
        }
        finally
        {
            try
            {
                Directory.Delete(work, recursive: true);
            }
            catch (IOException)
            {
                // A temp directory left behind is harmless.
            }
        }
    }

    private static KubernetesMembershipOptions Options() => new() { Namespace = Namespace, ClusterName = ClusterName };

    private static async Task<SiloHost> StartSiloAsync(KubernetesClient api, byte[] key, string name)
    {
        var silo = new SiloHostBuilder()
            .Configure(o => o.SiloName = name)
            .AddGrain<IBenchCounterGrain, BenchCounterGrain>()
            .UseKubernetesMembership(api, o =>
            {
                o.Namespace = Namespace;
                o.ClusterName = ClusterName;
            })
            .UseHttp2Transport(o => o.SharedKey = key)
            .Build();
        await silo.StartAsync();
        return silo;
    }

    private static bool OwnsAll(SiloHost silo) =>
        Enumerable.Range(0, PartitionHash.DefaultPartitionCount).All(silo.Membership.IsOwnedLocally);

    private static bool Balanced(SiloHost a, SiloHost b) =>
        Enumerable.Range(0, PartitionHash.DefaultPartitionCount).All(p => a.Membership.IsOwnedLocally(p) ^ b.Membership.IsOwnedLocally(p))
        && Enumerable.Range(0, PartitionHash.DefaultPartitionCount).Any(b.Membership.IsOwnedLocally)
        && Enumerable.Range(0, PartitionHash.DefaultPartitionCount).Any(a.Membership.IsOwnedLocally);

    private static string KeyOwnedBy(SiloHost silo) =>
        Enumerable.Range(0, 10_000).Select(i => $"bench-{i}").First(silo.OwnsGrain<IBenchCounterGrain>);

    // A benchmark may poll: it measures, and a 1 ms poll adds at most 1 ms to a handoff of hundreds.
    private static async Task WaitAsync(Func<bool> condition, string what)
    {
        var started = Stopwatch.GetTimestamp();
        while (!condition())
        {
            if (Stopwatch.GetElapsedTime(started) > TimeSpan.FromSeconds(60))
                throw new TimeoutException($"waited 60 s for {what}");
            await Task.Delay(1);
        }
    }
}
