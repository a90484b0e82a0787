using System.Diagnostics;
using System.Net.Sockets;
using MultigresOrleans.Tests.Shared;
using Xunit.Abstractions;

namespace MultigresOrleans.Etcd.Tests;

[Collection(EtcdCollection.Name)]
public sealed class EtcdClientTransportTests(EtcdServerFixture etcd, ITestOutputHelper output)
{
    private readonly string _p = EtcdServerFixture.NewPrefix(nameof(EtcdClientTransportTests));

    [Fact]
    public async Task A_dead_first_endpoint_fails_over_to_the_live_one_and_sticks_to_it()
    {
        var dead = EtcdServerFixture.ClosedEndpoint();
        using var client = etcd.NewClient(dead, etcd.ClientUrl);
        Assert.Equal(dead, client.PreferredEndpoint);

        // A write is safe to move on after a refused connection: the request never left.
        await client.PutAsync(_p + "f", "v");
        Assert.Equal(etcd.ClientUrl, client.PreferredEndpoint);
        Assert.Equal("v", (await client.GetAsync(_p + "f"))!.ValueString);
        Assert.True((await client.CreateAsync(_p + "g", [1])).Succeeded);
        Assert.Equal(etcd.ClientUrl, client.PreferredEndpoint);
    }

    [Fact]
    public async Task All_endpoints_dead_is_unavailable_and_names_every_endpoint()
    {
        var a = EtcdServerFixture.ClosedEndpoint();
        var b = EtcdServerFixture.ClosedEndpoint();
        using var client = new EtcdClient(new EtcdClientOptions { Endpoints = [a, b], InitialBackoff = TimeSpan.FromMilliseconds(1) });

        var error = await Assert.ThrowsAsync<EtcdUnavailableException>(() => client.GetAsync(_p + "x"));
        Assert.Equal([a, b], error.Endpoints);
        Assert.Equal(4, error.Failures.Count);
        Assert.All(error.Failures, f => Assert.Equal(EndpointFailureKind.ConnectionFailed, f.Kind));
        Assert.StartsWith("UNAVAILABLE", error.Message, StringComparison.Ordinal);
        Assert.Contains(a, error.Message, StringComparison.Ordinal);
        Assert.Contains(b, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_black_holed_read_is_bounded_by_attempts_times_request_timeout()
    {
        using var hole = new BlackHole();
        using var client = new EtcdClient(new EtcdClientOptions
        {
            Endpoints = [hole.Endpoint],
            RequestTimeout = TimeSpan.FromMilliseconds(200),
            MaxAttempts = 2,
            InitialBackoff = TimeSpan.FromMilliseconds(1),
        });

        var watch = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<EtcdUnavailableException>(() => client.GetAsync(_p + "x"));
        watch.Stop();

        Assert.Equal(2, error.Failures.Count);
        Assert.All(error.Failures, f => Assert.Equal(EndpointFailureKind.TimedOut, f.Kind));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"expected about 0.4 s, took {watch.Elapsed}");
    }

    [Fact]
    public async Task A_black_holed_read_fails_over_to_the_live_endpoint()
    {
        using var hole = new BlackHole();
        using var client = new EtcdClient(new EtcdClientOptions
        {
            Endpoints = [hole.Endpoint, etcd.ClientUrl],
            RequestTimeout = TimeSpan.FromMilliseconds(200),
        });
        Assert.Null(await client.GetAsync(_p + "absent"));
        Assert.Equal(etcd.ClientUrl, client.PreferredEndpoint);
    }

    [Fact]
    public async Task A_black_holed_write_times_out_on_the_injected_clock_and_is_not_retried()
    {
        using var hole = new BlackHole();
        var time = new FakeTimeProvider();
        using var client = new EtcdClient(new EtcdClientOptions
        {
            Endpoints = [hole.Endpoint, etcd.ClientUrl],
            RequestTimeout = TimeSpan.FromSeconds(30),
        }, timeProvider: time);

        var put = client.PutAsync(_p + "w", "v");
        await Eventually.WaitUntil(() => time.PendingTimers > 0, "the exchange's timeout timer to be armed");
        Assert.False(put.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(30));

        var error = await Assert.ThrowsAsync<EtcdOutcomeUnknownException>(() => put);
        Assert.Equal(EndpointFailureKind.TimedOut, error.Kind);
        Assert.Equal(hole.Endpoint, error.Endpoint);
        // Not retried on the live endpoint: the write might have been applied by the first.
        using var check = etcd.NewClient();
        Assert.Null(await check.GetAsync(_p + "w"));
    }

    [Fact]
    public async Task Caller_cancellation_surfaces_as_cancellation()
    {
        using var hole = new BlackHole();
        using var client = new EtcdClient(new EtcdClientOptions { Endpoints = [hole.Endpoint] });
        using var cts = new CancellationTokenSource();
        var get = client.GetAsync(_p + "x", cts.Token);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => get);
    }

    [Fact]
    public async Task One_client_reuses_one_connection_across_calls()
    {
        var connections = 0;
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, ct) =>
            {
                Interlocked.Increment(ref connections);
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await socket.ConnectAsync(context.DnsEndPoint, ct);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        using var client = new EtcdClient(new EtcdClientOptions { Endpoints = [etcd.ClientUrl] }, handler);

        for (var i = 0; i < 20; i++)
        {
            await client.PutAsync(_p + "reuse", i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            await client.GetAsync(_p + "reuse");
        }
        Assert.Equal(1, connections);
    }

    [Fact]
    public async Task Measures_round_trip_latency_to_local_etcd()
    {
        using var client = etcd.NewClient();
        await client.PutAsync(_p + "lat", "v");
        for (var i = 0; i < 20; i++) await client.GetAsync(_p + "lat"); // warm up

        const int n = 200;
        var samples = new double[n];
        for (var i = 0; i < n; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await client.GetAsync(_p + "lat");
            samples[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        Array.Sort(samples);
        var putWatch = Stopwatch.StartNew();
        for (var i = 0; i < 50; i++) await client.PutAsync(_p + "lat", "v");
        output.WriteLine($"etcd JSON gateway GET: p50 {samples[n / 2]:0.000} ms, p99 {samples[n * 99 / 100]:0.000} ms; PUT mean {putWatch.Elapsed.TotalMilliseconds / 50:0.000} ms");
        Assert.True(samples[n / 2] < 100, $"median GET {samples[n / 2]} ms");
    }
}
