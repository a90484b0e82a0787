using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using MultigresOrleans.Runtime.Membership;
using MultigresOrleans.Runtime.Transport;
using Xunit.Abstractions;

namespace MultigresOrleans.Runtime.Tests.Transport;

/// <summary>The HTTP/2 transport end to end: real Kestrel servers on loopback, real HttpClient, two silos and clients in one process.</summary>
public sealed class Http2TransportTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Silo_to_silo_calls_round_trip_records_lists_nulls_and_unicode()
    {
        await using var cluster = await TransportCluster.StartAsync();
        var key = cluster.KeyOn("silo-1");
        var grain = cluster.Silo0.GrainFactory.GetGrain<IWireGrain>(key);

        var item = new WireItem("ünïcødé ✓ 日本語 🚀 \"quoted\" \n newline", 42, ["a", "β", ""], new WireItem("child", -1, []));
        Assert.Equal(item.Name, (await grain.Echo(item)).Name);
        var echoed = await grain.Echo(item);
        Assert.Equal(item.Count, echoed.Count);
        Assert.Equal(item.Tags, echoed.Tags);
        Assert.Equal(item.Child!.Name, echoed.Child!.Name);
        var list = new List<WireItem> { item, new("second", 2, ["x"]) };
        Assert.Equal(["ünïcødé ✓ 日本語 🚀 \"quoted\" \n newline", "second"], (await grain.EchoList(list)).Select(i => i.Name));
        Assert.Empty(await grain.EchoList([]));
        Assert.Null(await grain.EchoString(null));
        Assert.Equal("", await grain.EchoString(""));
        Assert.Equal("𝄞 clef", await grain.EchoString("𝄞 clef"));
        Assert.Equal(new Dictionary<string, int> { ["a"] = 2, ["b"] = 1 }, await grain.Tally(["a", "b", "a"]));
        Assert.Null(await grain.MaybeDouble(null));
        Assert.Equal(14, await grain.MaybeDouble(7));
        Assert.Equal(long.MaxValue, await grain.Add(long.MaxValue - 5, 5));
        await grain.Nothing();
        Assert.Equal("silo-1", await grain.Where());
        Assert.Equal(1, await grain.Count());
        Assert.Equal(2, await grain.Count());

        Assert.Equal(0, cluster.Probe0.Calls); // every call crossed HTTP to silo-1
        Assert.True(cluster.Silo1.IsActive(new GrainId("wire", key)));
        Assert.False(cluster.Silo0.IsActive(new GrainId("wire", key)));
    }

    [Fact]
    public async Task Grain_exceptions_arrive_typed_and_unknown_types_as_RemoteGrainException()
    {
        await using var cluster = await TransportCluster.StartAsync();
        var grain = cluster.Silo0.GrainFactory.GetGrain<IWireGrain>(cluster.KeyOn("silo-1"));

        Assert.Equal("stale ✗", (await Assert.ThrowsAsync<InconsistentStateException>(() => grain.Throw("inconsistent", "stale ✗"))).Message);
        Assert.Equal("slow", (await Assert.ThrowsAsync<TimeoutException>(() => grain.Throw("timeout", "slow"))).Message);
        Assert.Equal("bad", (await Assert.ThrowsAsync<ArgumentException>(() => grain.Throw("argument", "bad"))).Message);
        Assert.StartsWith("nul", (await Assert.ThrowsAsync<ArgumentException>(() => grain.Throw("argument-null", "nul"))).Message, StringComparison.Ordinal);
        Assert.Equal("nope", (await Assert.ThrowsAsync<InvalidOperationException>(() => grain.Throw("invalid", "nope"))).Message);
        var remote = await Assert.ThrowsAsync<RemoteGrainException>(() => grain.Throw("format", "weird"));
        Assert.Equal("System.FormatException", remote.RemoteType);
        Assert.Equal("weird", remote.RemoteMessage);
        Assert.DoesNotContain(" at ", remote.Message, StringComparison.Ordinal); // no remote stack trace

        Assert.Equal("silo-1", await grain.Where()); // the activation survived
        Assert.Equal(7, cluster.Probe1.Calls);
    }

    [Fact]
    public async Task Ownership_moved_from_the_target_makes_the_router_retry_on_the_newer_map()
    {
        await using var cluster = await TransportCluster.StartAsync();
        var (client, oracle) = cluster.Client();
        var key = cluster.KeyOn("silo-1");
        // silo-1 has already seen v2 (it no longer owns the key); silo-0 owns everything in v2; the client still has v1.
        cluster.Oracle1.Publish(cluster.MapV2);
        cluster.Oracle0.Publish(cluster.MapV2);

        var call = client.GetGrain<IWireGrain>(key).Where();
        await Eventually.WaitUntil(() => oracle.Subscribers > 0, "the client's router waits for a map newer than v1 after silo-1 refused");
        Assert.False(call.IsCompleted);
        oracle.Publish(cluster.MapV2);

        Assert.Equal("silo-0", await call);
        Assert.Equal(0, cluster.Probe1.Calls);
        Assert.Equal(1, cluster.Probe0.Calls);
    }

    [Fact]
    public async Task Connection_refused_is_SiloUnavailable_and_retried_after_the_map_changes()
    {
        await using var cluster = await TransportCluster.StartAsync();
        var (client, oracle) = cluster.Client();
        var key = cluster.KeyOn("silo-1");
        cluster.Oracle0.Publish(cluster.MapV2);
        cluster.Directory.Set("silo-1", ClosedPortEndpoint());

        var call = client.GetGrain<IWireGrain>(key).Where();
        await Eventually.WaitUntil(() => oracle.Subscribers > 0, "the router waits for a newer map after the connection was refused");
        oracle.Publish(cluster.MapV2);

        Assert.Equal("silo-0", await call);
        Assert.Equal(0, cluster.Probe1.Calls);
    }

    [Fact]
    public async Task A_silo_missing_from_the_directory_is_SiloUnavailable_and_retried()
    {
        await using var cluster = await TransportCluster.StartAsync();
        var (client, oracle) = cluster.Client();
        cluster.Oracle0.Publish(cluster.MapV2);
        cluster.Directory.Remove("silo-1");

        var call = client.GetGrain<IWireGrain>(cluster.KeyOn("silo-1")).Where();
        await Eventually.WaitUntil(() => oracle.Subscribers > 0, "the router waits for a newer map after finding no endpoint");
        oracle.Publish(cluster.MapV2);
        Assert.Equal("silo-0", await call);
    }

    [Fact]
    public async Task The_transport_maps_connect_failures_to_SiloUnavailable_and_mid_call_failures_to_OutcomeUnknown()
    {
        var directory = new StaticSiloDirectory();
        using var transport = new RemoteGrainTransport(directory, TransportCluster.Key, null, TimeProvider.System, TimeSpan.FromSeconds(30), 1 << 20, TimeSpan.FromSeconds(5), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        var registry = new GrainRegistry();
        registry.AddInterface(typeof(IWireGrain), "wire");
        var method = registry.Interface(typeof(IWireGrain)).Methods.Values.Single(m => m.Method.Name == nameof(IWireGrain.Where));
        var grainId = new GrainId("wire", "x");

        await Assert.ThrowsAsync<SiloUnavailableException>(() => transport.SendAsync("nowhere", grainId, method, []));
        directory.Set("refusing", ClosedPortEndpoint());
        await Assert.ThrowsAsync<SiloUnavailableException>(() => transport.SendAsync("refusing", grainId, method, []));

        // A real h2c server that accepts the request and then drops the connection without answering.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        await using var app = builder.Build();
        var received = 0;
        app.Run(context =>
        {
            Interlocked.Increment(ref received);
            context.Abort();
            return Task.CompletedTask;
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        directory.Set("dropping", new Uri(address));

        var exception = await Assert.ThrowsAsync<GrainCallOutcomeUnknownException>(() => transport.SendAsync("dropping", grainId, method, []));
        output.WriteLine($"mid-call failure: {exception.InnerException?.GetType().Name}: {exception.InnerException?.Message}");
        Assert.Equal(1, Volatile.Read(ref received)); // sent once, never retried
        await app.StopAsync();
    }

    [Fact]
    public async Task Unsigned_invalid_replayed_and_expired_calls_get_401_and_never_run()
    {
        await using var cluster = await TransportCluster.StartAsync();
        using var raw = new RawCaller();
        var key = cluster.KeyOn("silo-1");
        var body = "[]"u8.ToArray();
        var now = cluster.Time.GetUtcNow();

        var unsigned = await raw.SendAsync(cluster.Silo1, nameof(IWireGrain.Count), key, body, sign: false);
        Assert.Equal(HttpStatusCode.Unauthorized, unsigned.Status);
        Assert.Contains("missing authentication headers", unsigned.Body, StringComparison.Ordinal);

        var wrongKey = await raw.SendAsync(cluster.Silo1, nameof(IWireGrain.Count), key, body, key: new byte[32], timestamp: now);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongKey.Status);
        Assert.Contains("invalid signature", wrongKey.Body, StringComparison.Ordinal);

        var tampered = await raw.SendAsync(cluster.Silo1, nameof(IWireGrain.Length), key, "[\"evil\"]"u8.ToArray(), timestamp: now, signedBody: "[\"good\"]"u8.ToArray());
        Assert.Equal(HttpStatusCode.Unauthorized, tampered.Status);

        // Signed for silo-0, sent to silo-1: the target silo is part of what is signed, so a captured call cannot be replayed elsewhere.
        var otherSilo = await raw.SendAsync(cluster.Silo1, nameof(IWireGrain.Count), key, body, timestamp: now, signedFor: "silo-0");
        Assert.Equal(HttpStatusCode.Unauthorized, otherSilo.Status);

        var expired = await raw.SendAsync(cluster.Silo1, nameof(IWireGrain.Count), key, body, timestamp: now - TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.Unauthorized, expired.Status);
        Assert.Contains("timestamp", expired.Body, StringComparison.Ordinal);
        var future = await raw.SendAsync(cluster.Silo1, nameof(IWireGrain.Count), key, body, timestamp: now + TimeSpan.FromMinutes(6));
        Assert.Equal(HttpStatusCode.Unauthorized, future.Status);
        Assert.Equal(0, cluster.Probe1.Calls);

        var nonce = WireProtocol.NewNonce();
        var first = await raw.SendAsync(cluster.Silo1, nameof(IWireGrain.Count), key, body, timestamp: now - TimeSpan.FromMinutes(4), nonce: nonce);
        Assert.Equal((HttpStatusCode.OK, "1", "ok"), first);
        var replayed = await raw.SendAsync(cluster.Silo1, nameof(IWireGrain.Count), key, body, timestamp: now - TimeSpan.FromMinutes(4), nonce: nonce);
        Assert.Equal(HttpStatusCode.Unauthorized, replayed.Status);
        Assert.Contains("replayed nonce", replayed.Body, StringComparison.Ordinal);
        Assert.Equal(1, cluster.Probe1.Calls);

        // The server's clock decides: once it moved on, the same (otherwise valid) timestamp is stale.
        cluster.Time.Advance(TimeSpan.FromMinutes(2));
        var stale = await raw.SendAsync(cluster.Silo1, nameof(IWireGrain.Count), key, body, timestamp: now - TimeSpan.FromMinutes(4));
        Assert.Equal(HttpStatusCode.Unauthorized, stale.Status);
        Assert.Equal(1, cluster.Probe1.Calls);
        Assert.Equal(0, cluster.Probe0.Calls);
    }

    [Fact]
    public async Task Wrong_key_or_skewed_clock_client_gets_GrainCallUnauthorizedException_without_retry()
    {
        await using var cluster = await TransportCluster.StartAsync();
        var (wrongKey, wrongOracle) = cluster.Client(key: System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        await Assert.ThrowsAsync<GrainCallUnauthorizedException>(() => wrongKey.GetGrain<IWireGrain>(cluster.KeyOn("silo-1")).Count());
        Assert.Equal(0, wrongOracle.Subscribers); // not retried: the router never waited for another map

        var skewedClock = new FakeTimeProvider(cluster.Time.GetUtcNow() - TimeSpan.FromMinutes(10));
        var (skewed, _) = cluster.Client(time: skewedClock);
        var refused = await Assert.ThrowsAsync<GrainCallUnauthorizedException>(() => skewed.GetGrain<IWireGrain>(cluster.KeyOn("silo-0")).Count());
        Assert.Contains("timestamp", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, cluster.Probe0.Calls + cluster.Probe1.Calls);
    }

    [Fact]
    public async Task During_a_key_rotation_a_silo_accepts_its_additional_keys_and_nothing_else()
    {
        var next = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        await using var cluster = await TransportCluster.StartAsync(silo1: o => o.AdditionalKeys.Add(next));
        var (current, _) = cluster.Client();
        var (rotated, _) = cluster.Client(key: next);
        var (stranger, _) = cluster.Client(key: System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

        Assert.Equal(1, await current.GetGrain<IWireGrain>(cluster.KeyOn("silo-1")).Count());
        Assert.Equal(2, await rotated.GetGrain<IWireGrain>(cluster.KeyOn("silo-1")).Count()); // accepted as an additional key
        await Assert.ThrowsAsync<GrainCallUnauthorizedException>(() => rotated.GetGrain<IWireGrain>(cluster.KeyOn("silo-0")).Count()); // silo-0 does not accept it
        await Assert.ThrowsAsync<GrainCallUnauthorizedException>(() => stranger.GetGrain<IWireGrain>(cluster.KeyOn("silo-1")).Count());
        Assert.Equal(2, cluster.Probe1.Calls);
        Assert.Equal(0, cluster.Probe0.Calls);

        var builder = new SiloHostBuilder().UseMembership(_ => new LocalMembershipOracle("x"));
        var error = Assert.Throws<ArgumentException>(() => builder.UseHttp2Transport(o =>
        {
            o.SharedKey = TransportCluster.Key;
            o.AdditionalKeys.Add(new byte[16]);
        }));
        Assert.Contains("at least 32 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_body_over_the_limit_gets_413_and_the_call_does_not_run()
    {
        await using var cluster = await TransportCluster.StartAsync();
        using var raw = new RawCaller();
        var key = cluster.KeyOn("silo-1");
        var big = Encoding.UTF8.GetBytes($"[\"{new string('x', TransportCluster.SmallLimit + 10)}\"]");

        var response = await raw.SendAsync(cluster.Silo1, nameof(IWireGrain.Length), key, big, timestamp: cluster.Time.GetUtcNow());
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.Status);
        Assert.Contains("MaxRequestBodySize", response.Body, StringComparison.Ordinal);

        // Through the transport: silo-0 (4 MiB limit) calls silo-1 (64 KiB limit).
        var grain = cluster.Silo0.GrainFactory.GetGrain<IWireGrain>(key);
        var rejected = await Assert.ThrowsAsync<GrainCallRejectedException>(() => grain.Length(new string('y', TransportCluster.SmallLimit + 10)));
        Assert.Equal(413, rejected.StatusCode);
        Assert.Equal(0, cluster.Probe1.Calls);
        Assert.Equal(1000, await grain.Length(new string('z', 1000)));
    }

    [Fact]
    public async Task Malformed_json_gets_400_and_the_server_keeps_serving()
    {
        await using var cluster = await TransportCluster.StartAsync();
        using var raw = new RawCaller();
        var key = cluster.KeyOn("silo-1");
        var now = cluster.Time.GetUtcNow();
        string[] bad = ["[1,", "{}", "", "[\"a\",\"b\"]", "[42]", "[null] trailing", "[\"ok\"]]"];
        foreach (var body in bad)
        {
            var response = await raw.SendAsync(cluster.Silo1, nameof(IWireGrain.Length), key, Encoding.UTF8.GetBytes(body), timestamp: now);
            Assert.True(response.Status == HttpStatusCode.BadRequest, $"body '{body}': expected 400, got {(int)response.Status} {response.Body}");
            Assert.Contains("malformed arguments", response.Body, StringComparison.Ordinal);
        }

        var nullForInt = await raw.SendAsync(cluster.Silo1, nameof(IWireGrain.Add), key, "[null, 1]"u8.ToArray(), timestamp: now);
        Assert.Equal(HttpStatusCode.BadRequest, nullForInt.Status);
        Assert.Equal(0, cluster.Probe1.Calls);

        var good = await raw.SendAsync(cluster.Silo1, nameof(IWireGrain.Length), key, "[\"four\"]"u8.ToArray(), timestamp: now);
        Assert.Equal((HttpStatusCode.OK, "4", "ok"), good);
        Assert.Equal(3, await cluster.Silo0.GrainFactory.GetGrain<IWireGrain>(key).Length("abc"));
    }

    [Fact]
    public async Task Client_mode_calls_reach_both_silos()
    {
        await using var cluster = await TransportCluster.StartAsync();
        var (client, _) = cluster.Client();
        Assert.Equal("silo-0", await client.GetGrain<IWireGrain>(cluster.KeyOn("silo-0")).Where());
        Assert.Equal("silo-1", await client.GetGrain<IWireGrain>(cluster.KeyOn("silo-1")).Where());
        var item = new WireItem("client ✓", 1, ["t"]);
        Assert.Equal(item.Name, (await client.GetGrain<IWireGrain>(cluster.KeyOn("silo-1")).Echo(item)).Name);
        var counts = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => client.GetGrain<IWireGrain>("shared").Count()));
        Assert.Equal(Enumerable.Range(1, 50), counts.Order()); // concurrent calls multiplexed, each ran exactly once
        Assert.Equal(53, cluster.Probe0.Calls + cluster.Probe1.Calls);
    }

    [Fact]
    public async Task A_stopped_silo_refuses_with_SiloUnavailable_and_the_client_follows_the_new_map()
    {
        await using var cluster = await TransportCluster.StartAsync();
        var (client, oracle) = cluster.Client();
        var key = cluster.KeyOn("silo-1");
        Assert.Equal("silo-1", await client.GetGrain<IWireGrain>(key).Where());
        await cluster.Silo1.StopAsync();
        cluster.Oracle0.Publish(cluster.MapV2);

        var call = client.GetGrain<IWireGrain>(key).Where();
        await Eventually.WaitUntil(() => oracle.Subscribers > 0, "the router waits for a newer map after silo-1 went away");
        oracle.Publish(cluster.MapV2);
        Assert.Equal("silo-0", await call);
    }

    [Fact]
    public void Options_are_validated()
    {
        Assert.Throws<ArgumentException>(() => new SiloHostBuilder().UseHttp2Transport(o => o.SharedKey = new byte[31]));
        var builder = new SiloHostBuilder().UseHttp2Transport(o => o.SharedKey = new byte[32]);
        Assert.Throws<InvalidOperationException>(builder.Build); // no directory and a membership that is not one
        Assert.Throws<ArgumentException>(() => new ClusterClientBuilder().UseMembership(new LocalMembershipOracle("x")).UseSiloDirectory(new StaticSiloDirectory()).Build());
    }

    [Fact]
    public void Wire_ids_are_stable_names_without_assembly_versions()
    {
        var id = WireNames.MethodId(typeof(IWireGrain).GetMethod(nameof(IWireGrain.Tally))!);
        Assert.Equal("MultigresOrleans.Runtime.Tests.Transport.IWireGrain.Tally(System.Collections.Generic.IReadOnlyList`1<System.String>)", id);
    }

    [Fact]
    public async Task Every_one_of_2000_sequential_remote_calls_runs_exactly_once()
    {
        // Latency is measured by `make bench` (Tools/Bench/GrainCallBench.cs); this checks that a long
        // run of calls over one pooled HTTP/2 connection neither drops nor repeats one.
        await using var cluster = await TransportCluster.StartAsync();
        var (client, _) = cluster.Client();
        var grain = client.GetGrain<IWireGrain>(cluster.KeyOn("silo-1"));
        const int calls = 2_000;
        for (var i = 1; i <= calls; i++)
            Assert.Equal(i, await grain.Count());
        Assert.Equal(calls, cluster.Probe1.Calls);
        Assert.Equal(0, cluster.Probe0.Calls);
    }

    private static Uri ClosedPortEndpoint()
    {
        // Bind a free port and release it: nothing listens there (connection refused).
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return new Uri($"http://127.0.0.1:{port}/");
    }
}
