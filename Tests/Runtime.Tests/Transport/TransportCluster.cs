using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using MultigresOrleans.Runtime.Membership;
using MultigresOrleans.Runtime.Placement;
using MultigresOrleans.Runtime.Transport;

namespace MultigresOrleans.Runtime.Tests.Transport;

public sealed record WireItem(string Name, int Count, IReadOnlyList<string> Tags, WireItem? Child = null);

public interface IWireGrain : IGrainWithStringKey
{
    Task<WireItem> Echo(WireItem item);

    Task<List<WireItem>> EchoList(List<WireItem> items);

    Task<string?> EchoString(string? text);

    Task<Dictionary<string, int>> Tally(IReadOnlyList<string> words);

    Task<int?> MaybeDouble(int? value);

    ValueTask<long> Add(long a, int b);

    ValueTask Nothing();

    Task<int> Count();

    Task<string> Where();

    Task<int> Length(string payload);

    Task Throw(string kind, string message);
}

/// <summary>Counts every call that reached grain code on one silo (the proof that refused calls never ran).</summary>
public sealed class WireProbe(string silo)
{
    private int calls;

    public string Silo { get; } = silo;

    public int Calls => Volatile.Read(ref calls);

    public void Called() => Interlocked.Increment(ref calls);
}

public sealed class WireGrain(WireProbe probe) : Grain, IWireGrain
{
    private int count;

    public Task<WireItem> Echo(WireItem item) => Run(() => item);

    public Task<List<WireItem>> EchoList(List<WireItem> items) => Run(() => items);

    public Task<string?> EchoString(string? text) => Run(() => text);

    public Task<Dictionary<string, int>> Tally(IReadOnlyList<string> words) =>
        Run(() => words.GroupBy(w => w, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal));

    public Task<int?> MaybeDouble(int? value) => Run(() => value * 2);

    public ValueTask<long> Add(long a, int b) => new(Run(() => a + b));

    public ValueTask Nothing() => new(Run(() => 0));

    public Task<int> Count() => Run(() => ++count);

    public Task<string> Where() => Run(() => probe.Silo);

    public Task<int> Length(string payload) => Run(() => payload.Length);

    public Task Throw(string kind, string message)
    {
        probe.Called();
        throw kind switch
        {
            "inconsistent" => new InconsistentStateException(message),
            "timeout" => new TimeoutException(message),
            "argument" => new ArgumentException(message),
            "argument-null" => new ArgumentNullException("p", message),
            "invalid" => new InvalidOperationException(message),
            _ => new FormatException(message),
        };
    }

    private Task<T> Run<T>(Func<T> body)
    {
        probe.Called();
        return Task.FromResult(body());
    }
}

/// <summary>A membership view with its own current map (so a test can let silos disagree) that counts MapChanged subscribers.</summary>
public sealed class TestOracle(string siloName, PartitionMap map) : IMembershipOracle
{
    private readonly Lock gate = new();
    private readonly List<Action<PartitionMap>> handlers = [];
    private volatile PartitionMap current = map;

    public string SiloName { get; } = siloName;

    public PartitionMap CurrentMap => current;

    public int Subscribers
    {
        get
        {
            lock (gate)
                return handlers.Count;
        }
    }

    public bool IsOwnedLocally(int partition) => string.Equals(current.OwnerOf(partition), SiloName, StringComparison.Ordinal);

    public event Action<PartitionMap>? MapChanged
    {
        add
        {
            lock (gate)
                handlers.Add(value!);
        }

        remove
        {
            lock (gate)
                handlers.Remove(value!);
        }
    }

    public void Publish(PartitionMap map)
    {
        current = map;
        Action<PartitionMap>[] targets;
        lock (gate)
            targets = [.. handlers];
        foreach (var handler in targets)
            handler(map);
    }
}

/// <summary>Two silos in this process, each with its own HTTP/2 server on loopback port 0, sharing a key and a partition map.</summary>
public sealed class TransportCluster : IAsyncDisposable
{
    public const int SmallLimit = 64 * 1024;
    public static readonly byte[] Key = RandomNumberGenerator.GetBytes(32);

    private readonly List<IAsyncDisposable> disposables = [];

    private TransportCluster(PartitionMap map)
    {
        MapV1 = map;
        MapV2 = map.Reassign(["silo-0"]);
    }

    public FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow);

    public StaticSiloDirectory Directory { get; } = new();

    /// <summary>v1: silo-0 and silo-1; v2: silo-0 owns everything.</summary>
    public PartitionMap MapV1 { get; }

    public PartitionMap MapV2 { get; }

    public SiloHost Silo0 { get; private set; } = null!;

    public SiloHost Silo1 { get; private set; } = null!;

    public TestOracle Oracle0 { get; private set; } = null!;

    public TestOracle Oracle1 { get; private set; } = null!;

    public WireProbe Probe0 { get; } = new("silo-0");

    public WireProbe Probe1 { get; } = new("silo-1");

    /// <summary>silo-1 accepts bodies up to <see cref="SmallLimit"/> (and whatever <paramref name="silo1"/> sets); silo-0 has the defaults.</summary>
    public static async Task<TransportCluster> StartAsync(Action<Http2TransportOptions>? silo1 = null)
    {
        var cluster = new TransportCluster(PartitionMap.Create(["silo-0", "silo-1"]));
        cluster.Oracle0 = new TestOracle("silo-0", cluster.MapV1);
        cluster.Oracle1 = new TestOracle("silo-1", cluster.MapV1);
        cluster.Silo0 = await cluster.StartSiloAsync(cluster.Oracle0, cluster.Probe0, _ => { });
        cluster.Silo1 = await cluster.StartSiloAsync(cluster.Oracle1, cluster.Probe1, o =>
        {
            o.MaxRequestBodySize = SmallLimit;
            silo1?.Invoke(o);
        });
        return cluster;
    }

    /// <summary>A key whose grain the map places on <paramref name="silo"/>.</summary>
    public string KeyOn(string silo, string prefix = "k") =>
        Enumerable.Range(0, 10_000).Select(i => $"{prefix}{i}").First(k => MapV1.OwnerOf(new GrainId("wire", k)) == silo);

    public (ClusterClient Client, TestOracle Oracle) Client(byte[]? key = null, TimeProvider? time = null, TimeSpan? callTimeout = null)
    {
        var oracle = new TestOracle("client", MapV1);
        var client = new ClusterClientBuilder()
            .AddGrainInterface<IWireGrain>()
            .UseMembership(oracle)
            .UseSiloDirectory(Directory)
            .UseTimeProvider(time ?? Time)
            .Configure(o =>
            {
                o.SharedKey = key ?? Key;
                if (callTimeout is { } timeout)
                    o.CallTimeout = timeout;
            })
            .Build();
        disposables.Add(client);
        return (client, oracle);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var disposable in disposables)
            await disposable.DisposeAsync();
        await Silo0.DisposeAsync();
        await Silo1.DisposeAsync();
    }

    private async Task<SiloHost> StartSiloAsync(TestOracle oracle, WireProbe probe, Action<Http2TransportOptions> configure)
    {
        var builder = new SiloHostBuilder()
            .Configure(o => o.SiloName = oracle.SiloName)
            .AddGrain<IWireGrain, WireGrain>()
            .AddMemoryGrainStorage()
            .UseTimeProvider(Time)
            .UseMembership(_ => oracle)
            .UseHttp2Transport(o =>
            {
                o.SharedKey = Key;
                o.Directory = Directory;
                configure(o);
            });
        builder.Services.AddSingleton(probe);
        var silo = builder.Build();
        await silo.StartAsync();
        Directory.Set(silo.SiloName, silo.CallEndpoint!);
        return silo;
    }
}

/// <summary>Hand-made requests over real HTTP/2 (h2c) to a silo: signed correctly, or broken on purpose.</summary>
public sealed class RawCaller : IDisposable
{
    private readonly HttpClient http = new(new SocketsHttpHandler { UseProxy = false });

    public static string MethodId(string name) =>
        typeof(IWireGrain).GetMethods().Single(m => m.Name == name) is var method ? WireNames.MethodId(method) : "";

    public async Task<(HttpStatusCode Status, string Body, string? Outcome)> SendAsync(
        SiloHost target,
        string method,
        string grainKey,
        byte[] body,
        byte[]? key = null,
        DateTimeOffset? timestamp = null,
        string? nonce = null,
        bool sign = true,
        byte[]? signedBody = null,
        string? signedFor = null)
    {
        var methodHeader = Uri.EscapeDataString(MethodId(method));
        var grainHeader = WireProtocol.EncodeGrainId(new GrainId("wire", grainKey));
        var ts = (timestamp ?? DateTimeOffset.UtcNow).ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        nonce ??= WireProtocol.NewNonce();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(target.CallEndpoint!, WireProtocol.CallPath))
        {
            Content = new ByteArrayContent(body),
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (sign)
        {
            var signature = new byte[32];
            WireProtocol.Sign(key ?? TransportCluster.Key, signedFor ?? target.SiloName, methodHeader, grainHeader, ts, nonce, SHA256.HashData(signedBody ?? body), signature);
            request.Headers.Add(WireProtocol.GrainHeader, grainHeader);
            request.Headers.Add(WireProtocol.MethodHeader, methodHeader);
            request.Headers.Add(WireProtocol.TimestampHeader, ts);
            request.Headers.Add(WireProtocol.NonceHeader, nonce);
            request.Headers.Add(WireProtocol.SignatureHeader, Convert.ToBase64String(signature));
        }

        using var response = await http.SendAsync(request);
        var text = Encoding.UTF8.GetString(await response.Content.ReadAsByteArrayAsync());
        var outcome = response.Headers.TryGetValues(WireProtocol.OutcomeHeader, out var values) ? values.Single() : null;
        return (response.StatusCode, text, outcome);
    }

    public void Dispose() => http.Dispose();
}
