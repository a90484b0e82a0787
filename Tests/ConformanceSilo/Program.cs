using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MultigresOrleans.ConformanceSilo;
using MultigresOrleans.Kubernetes.Client;
using MultigresOrleans.Runtime;
using MultigresOrleans.Runtime.Membership.Kubernetes;
using MultigresOrleans.Runtime.Storage.Blob;
using MultigresOrleans.Runtime.Transport;

// One silo of the conformance suite. Protocol on stdout (one line each): READY <identity> <endpoint>,
// DONE <prefix> <ok> <failed>, STOPPED <milliseconds>, FENCED <reason>, VIOLATION <text>.
// Commands on stdin: "call <count> <prefix>" touches <count> probe grains concurrently from this silo,
// at most MaxCallsInFlight at a time in key order, so every silo given the same command races the
// others on each key while the shared Azurite (one Node process on a busy CI machine) is not asked
// for thousands of writes at once, which made the last calls wait past the 30 s call timeout.
// SIGTERM stops gracefully (handoff); the parent's PID is watched so an orphan exits on its own.
const int MaxCallsInFlight = 64;
var arguments = Arguments.Parse(args);
using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information)
    .AddFilter("Microsoft.AspNetCore", LogLevel.Warning).AddFilter("MultigresOrleans.Runtime.Membership", LogLevel.Debug));
Console.Out.Flush();
var config = KubernetesClientConfiguration.FromKubeConfigFile(arguments["kubeconfig"]);
using var api = new KubernetesClient(config, new KubernetesClientOptions { MaxRetries = 0 }, loggerFactory: loggers);
var json = new JsonSerializerOptions(JsonSerializerDefaults.Web);
json.TypeInfoResolverChain.Add(ConformanceJsonContext.Default);
var name = arguments["name"];
var builder = new SiloHostBuilder()
    .Configure(o => o.SiloName = name)
    .UseLoggerFactory(loggers)
    .AddGrain<IActivationProbeGrain, ActivationProbeGrain>()
    .AddAzureBlobGrainStorage("Default", o =>
    {
        o.ConnectionString = arguments["blob"];
        o.ContainerName = arguments["container"];
        o.Serializer = new GrainStateSerializer(json);
    })
    .UseAzureBlobReminders(o =>
    {
        o.ConnectionString = arguments["blob"];
        o.ContainerName = arguments["container"] + "-reminders";
    })
    .UseKubernetesMembership(api, o =>
    {
        o.Namespace = arguments["namespace"];
        o.ClusterName = arguments.GetValueOrDefault("cluster", "grains");
    }, loggers)
    .UseHttp2Transport(o =>
    {
        o.SharedKey = File.ReadAllBytes(arguments["key-file"]);
        o.SerializerOptions = json;
    });
builder.Services.AddSingleton(new SiloIdentity(name));
await using var silo = builder.Build();

var fenced = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
silo.Fenced += reason => fenced.TrySetResult(reason);
var terminate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true; // stop gracefully below instead of the default immediate exit
    terminate.TrySetResult();
});
WatchParent(int.Parse(arguments["parent-pid"], CultureInfo.InvariantCulture));

await silo.StartAsync();
Say($"READY {silo.Membership.SiloName} {silo.CallEndpoint}");
_ = Task.Run(() => ReadCommandsAsync(silo.GrainFactory));

var ended = await Task.WhenAny(terminate.Task, fenced.Task);
if (ended == fenced.Task)
{
    Say($"FENCED {fenced.Task.Result}");
    Environment.Exit(3); // a fenced silo never serves again; Kubernetes would restart the pod
}

var stopwatch = Stopwatch.StartNew();
await silo.StopAsync();
Say($"STOPPED {stopwatch.ElapsedMilliseconds}");
return 0;

static void Say(string line)
{
    lock (Console.Out)
    {
        Console.Out.WriteLine(line);
        Console.Out.Flush();
    }
}

static async Task ReadCommandsAsync(IGrainFactory grains)
{
    while (await Console.In.ReadLineAsync() is { } line)
    {
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts is ["call", var countText, var prefix])
        {
            var count = int.Parse(countText, CultureInfo.InvariantCulture);
            using var inFlight = new SemaphoreSlim(MaxCallsInFlight);
            var results = await Task.WhenAll(Enumerable.Range(0, count).Select(async i =>
            {
                await inFlight.WaitAsync();
                try
                {
                    await grains.GetGrain<IActivationProbeGrain>($"{prefix}{i}").Touch();
                    return true;
                }
#pragma warning disable CA1031 // Reported to the test as a count of failed calls, with the first error.
                catch (Exception exception)
#pragma warning restore CA1031
                {
                    Say($"ERROR {prefix}{i} {exception.GetType().Name}: {exception.Message.ReplaceLineEndings(" ")}");
                    return false;
                }
                finally
                {
                    inFlight.Release();
                }
            }));
            Say($"DONE {prefix} {results.Count(r => r)} {results.Count(r => !r)}");
        }
    }
}

static void WatchParent(int parentPid) => _ = Task.Run(async () =>
{
    using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
    while (await timer.WaitForNextTickAsync())
    {
        try
        {
            using var parent = Process.GetProcessById(parentPid);
            if (parent.HasExited)
                Environment.Exit(4);
        }
        catch (ArgumentException)
        {
            Environment.Exit(4); // the test process is gone: do not linger
        }
    }
});

/// <summary>--key value pairs.</summary>
internal static class Arguments
{
    public static Dictionary<string, string> Parse(string[] args)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
                throw new ArgumentException($"expected --name value pairs, got '{args[i]}'");
            result[args[i][2..]] = args[i + 1];
        }

        foreach (var required in new[] { "name", "kubeconfig", "namespace", "blob", "container", "key-file", "parent-pid" })
        {
            if (!result.ContainsKey(required))
                throw new ArgumentException($"missing --{required}");
        }

        return result;
    }
}
