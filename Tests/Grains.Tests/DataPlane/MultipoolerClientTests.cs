using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using MultigresOrleans.Grains.DataPlane;
using MultigresOrleans.Grains.DataPlane.ManagerData;
using MultigresOrleans.Grains.Topology.ClusterMetadata;

namespace MultigresOrleans.Grains.Tests.DataPlane;

/// <summary>The client against a hand-written gRPC server on Kestrel (h2c), reached through the address override.</summary>
public sealed class MultipoolerClientTests
{
    private const string PoolerHost = "pooler-zone1-0.pool.ns.svc.cluster.local";
    private const int PoolerPort = 15270;
    private const string PoolerAddress = "pooler-zone1-0.pool.ns.svc.cluster.local:15270";

    internal static Multipooler Pooler(string host = PoolerHost, int? grpcPort = PoolerPort)
    {
        var pooler = new Multipooler
        {
            Id = new ID { Component = ID.Types.ComponentType.Multipooler, Cell = "zone1", Name = "pooler-0" },
            Hostname = host,
            PortMap = { { "http", 15200 } },
        };
        if (grpcPort is { } port)
            pooler.PortMap["grpc"] = port;
        return pooler;
    }

    private static MultipoolerClient ClientFor(int localPort, MultipoolerClientOptions? options = null) =>
        new((options ?? new MultipoolerClientOptions()) with { AddressOverride = (_, _) => new Uri($"http://127.0.0.1:{localPort}") });

    private static BackupMetadata FullBackup(string id) => new()
    {
        TableGroup = "default",
        Shard = "0-inf",
        Status = BackupMetadata.Types.Status.Complete,
        BackupId = id,
        StopLsn = "0/3000100",
        JobId = "job-7",
        BackupSizeBytes = 123_456_789_012,
        Type = "full",
        MultipoolerId = "multipooler-zone1-pooler-0",
        RoutingRole = RoutingRole.Replica,
        StartTimestamp = Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 2, 24, 14, 30, 55, TimeSpan.Zero)),
        StopTimestamp = Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 2, 24, 14, 41, 2, TimeSpan.Zero)),
        StartLsn = "0/3000028",
        PgVersion = "170004",
    };

    [Fact]
    public async Task GetBackups_round_trip_keeps_every_field_and_speaks_the_grpc_wire_format()
    {
        var backups = new GetBackupsResponse { Backups = { FullBackup("20260224-143055F"), FullBackup("20260225-010000F") } };
        backups.Backups[1].Status = BackupMetadata.Types.Status.Incomplete;
        backups.Backups[1].RoutingRole = RoutingRole.Primary;
        await using var server = await FakeGrpcServer.StartAsync(call => call.RespondAsync(backups));
        using var client = ClientFor(server.Port);

        var response = await client.GetBackupsAsync(Pooler(), new GetBackupsRequest { Limit = 10 },
            new MultipoolerCallOptions { Deadline = TimeSpan.FromSeconds(3) });

        Assert.Equal(backups, response);
        var received = Assert.Single(server.Calls);
        Assert.Equal("/multipoolermanager.MultipoolerManager/GetBackups", received.Path);
        Assert.Equal("application/grpc", received.ContentType);
        Assert.Equal("trailers", received.Te);
        Assert.Equal("3000m", received.GrpcTimeout);
        Assert.Equal(PoolerAddress, received.Authority); // dialled through the override, addressed to the pooler
        Assert.Equal(1, received.FrameCount);
        Assert.Equal(10u, GetBackupsRequest.Parser.ParseFrom(received.Message).Limit);
    }

    [Fact]
    public async Task ReloadConfig_round_trip_sends_every_expected_setting_and_reads_the_verdict()
    {
        var settings = new Dictionary<string, string>
        {
            ["work_mem"] = "32MB",
            ["log_min_duration_statement"] = "-1",
            ["search_path"] = "'\"$user\", public'",
            [ReloadDecision.MarkerSetting] = "9f86d081884c7d65",
        };
        var verdict = new ReloadConfigResponse
        {
            ConfigLoadTime = Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 8, 21, 9, 52, 41, 123, TimeSpan.Zero)),
            Mismatches = { new SettingMismatch { Name = "shared_buffers", Error = "", RequiresRestart = true } },
            NeedsRestart = true,
        };
        await using var server = await FakeGrpcServer.StartAsync(call => call.RespondAsync(verdict));
        using var client = ClientFor(server.Port);

        var response = await client.ReloadConfigAsync(Pooler(), ReloadDecision.Request(settings));

        Assert.Equal(verdict, response);
        var received = Assert.Single(server.Calls);
        Assert.Equal("/multipoolermanager.MultipoolerManager/ReloadConfig", received.Path);
        Assert.Equal("10000m", received.GrpcTimeout); // the default deadline
        Assert.Equal(settings, ReloadConfigRequest.Parser.ParseFrom(received.Message).ExpectedSettings);
    }

    [Fact]
    public async Task An_empty_response_message_is_a_valid_answer()
    {
        await using var server = await FakeGrpcServer.StartAsync(call => call.RespondAsync(new ReloadConfigResponse()));
        using var client = ClientFor(server.Port);

        var response = await client.ReloadConfigAsync(Pooler(), new ReloadConfigRequest());

        Assert.Equal(new ReloadConfigResponse(), response);
        Assert.Empty(Assert.Single(server.Calls).Message);
    }

    [Fact]
    public async Task Without_an_override_the_record_address_is_dialled()
    {
        await using var server = await FakeGrpcServer.StartAsync(call => call.RespondAsync(new GetBackupsResponse()));
        using var client = new MultipoolerClient();

        var response = await client.GetBackupsAsync(Pooler("127.0.0.1", server.Port), new GetBackupsRequest());

        Assert.Empty(response.Backups);
        Assert.Equal($"127.0.0.1:{server.Port}", Assert.Single(server.Calls).Authority);
    }

    [Fact]
    public async Task A_status_in_the_trailers_is_an_exception_with_code_and_decoded_message()
    {
        const string detail = "pgbackrest info failed: repo 1 status: cipher mismatch ✗ 100%";
        await using var server = await FakeGrpcServer.StartAsync(call => call.FailInTrailersAsync(GrpcStatusCode.Internal, detail));
        using var client = ClientFor(server.Port);

        var error = await Assert.ThrowsAsync<MultipoolerRpcException>(() => client.GetBackupsAsync(Pooler(), new GetBackupsRequest()));

        Assert.Equal(GrpcStatusCode.Internal, error.StatusCode);
        Assert.Equal(detail, error.Detail);
        Assert.Equal(PoolerAddress, error.Address);
        Assert.Equal("GetBackups", error.Method);
        Assert.Equal($"GetBackups on multipooler {PoolerAddress}: INTERNAL: {detail}", error.Message);
    }

    [Fact]
    public async Task A_trailers_only_response_is_an_exception_with_code_and_message()
    {
        await using var server = await FakeGrpcServer.StartAsync(call => call.FailTrailersOnlyAsync(GrpcStatusCode.Unavailable, "manager is still starting up"));
        using var client = ClientFor(server.Port);

        var error = await Assert.ThrowsAsync<MultipoolerRpcException>(() => client.ReloadConfigAsync(Pooler(), new ReloadConfigRequest()));

        Assert.Equal(GrpcStatusCode.Unavailable, error.StatusCode);
        Assert.Equal("manager is still starting up", error.Detail);
        Assert.Equal("ReloadConfig", error.Method);
    }

    [Fact]
    public async Task A_status_above_16_is_unknown()
    {
        await using var server = await FakeGrpcServer.StartAsync(call => call.FailTrailersOnlyAsync((GrpcStatusCode)42, "custom"));
        using var client = ClientFor(server.Port);

        var error = await Assert.ThrowsAsync<MultipoolerRpcException>(() => client.GetBackupsAsync(Pooler(), new GetBackupsRequest()));

        Assert.Equal(GrpcStatusCode.Unknown, error.StatusCode);
        Assert.Equal("custom", error.Detail);
    }

    [Fact]
    public async Task A_non_grpc_http_answer_maps_by_http_status()
    {
        await using var server = await FakeGrpcServer.StartAsync(call =>
        {
            call.Context.Response.StatusCode = 503;
            return Task.CompletedTask;
        });
        using var client = ClientFor(server.Port);

        var error = await Assert.ThrowsAsync<MultipoolerRpcException>(() => client.GetBackupsAsync(Pooler(), new GetBackupsRequest()));

        Assert.Equal(GrpcStatusCode.Unavailable, error.StatusCode);
        Assert.Contains("HTTP status 503", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OK_without_a_message_and_two_messages_are_protocol_errors()
    {
        var frame = GrpcWire.Frame(new GetBackupsResponse().ToByteArray());
        var bodies = new Queue<byte[]>([[], [.. frame, .. frame], [0, 0, 0]]);
        await using var server = await FakeGrpcServer.StartAsync(call => call.RespondRawAsync(bodies.Dequeue()));
        using var client = ClientFor(server.Port);

        foreach (var expected in new[] { "without a response message", "more than one response message", "inside a message prefix" })
        {
            var error = await Assert.ThrowsAsync<MultipoolerRpcException>(() => client.GetBackupsAsync(Pooler(), new GetBackupsRequest()));
            Assert.Equal(GrpcStatusCode.Internal, error.StatusCode);
            Assert.Contains(expected, error.Detail, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(0x7, GrpcStatusCode.Unavailable)] // REFUSED_STREAM: not processed, safe to retry
    [InlineData(0x2, GrpcStatusCode.Internal)] // INTERNAL_ERROR
    [InlineData(0xB, GrpcStatusCode.ResourceExhausted)] // ENHANCE_YOUR_CALM
    public async Task A_reset_stream_maps_its_HTTP2_error_code(int errorCode, GrpcStatusCode expected)
    {
        await using var server = await FakeGrpcServer.StartAsync(call =>
        {
            call.Context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResetFeature>()!.Reset(errorCode);
            return Task.CompletedTask;
        });
        using var client = ClientFor(server.Port);

        var error = await Assert.ThrowsAsync<MultipoolerRpcException>(() => client.GetBackupsAsync(Pooler(), new GetBackupsRequest()));

        Assert.Equal(expected, error.StatusCode);
        Assert.Contains($"HTTP/2 stream reset (error code 0x{errorCode:X})", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_already_cancelled_token_cancels_before_dialling()
    {
        await using var server = await FakeGrpcServer.StartAsync(call => call.RespondAsync(new GetBackupsResponse()));
        using var client = ClientFor(server.Port);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            client.GetBackupsAsync(Pooler(), new GetBackupsRequest(), cancellationToken: new CancellationToken(canceled: true)));

        Assert.Equal(0, server.ConnectionsAccepted);
    }

    [Fact]
    public async Task A_server_that_never_answers_fails_with_DEADLINE_EXCEEDED_and_the_stream_is_cancelled()
    {
        var never = new TaskCompletionSource();
        var aborted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await FakeGrpcServer.StartAsync(async call =>
        {
            try
            {
                await never.Task.WaitAsync(call.Context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                aborted.TrySetResult(); // the client reset the stream when its deadline passed
            }
        });
        using var client = ClientFor(server.Port);
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<MultipoolerRpcException>(() => client.GetBackupsAsync(Pooler(), new GetBackupsRequest(),
            new MultipoolerCallOptions { Deadline = TimeSpan.FromMilliseconds(300) }));

        Assert.Equal(GrpcStatusCode.DeadlineExceeded, error.StatusCode);
        Assert.Contains("0.3 s", error.Detail, StringComparison.Ordinal);
        Assert.Contains(PoolerAddress, error.Message, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        Assert.Equal("300m", Assert.Single(server.Calls).GrpcTimeout);
        await aborted.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task The_callers_cancellation_is_an_OperationCanceledException_not_an_rpc_error()
    {
        var never = new TaskCompletionSource();
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await FakeGrpcServer.StartAsync(async call =>
        {
            arrived.TrySetResult();
            try
            {
                await never.Task.WaitAsync(call.Context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                // cancelled by the client
            }
        });
        using var client = ClientFor(server.Port);
        using var cancel = new CancellationTokenSource();

        var call = client.GetBackupsAsync(Pooler(), new GetBackupsRequest(), cancellationToken: cancel.Token);
        await arrived.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await cancel.CancelAsync();

        var error = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Assert.Equal(cancel.Token, error.CancellationToken);
    }

    [Fact]
    public async Task A_non_positive_deadline_fails_before_dialling_and_a_long_one_is_capped()
    {
        await using var server = await FakeGrpcServer.StartAsync(call => call.RespondAsync(new GetBackupsResponse()));
        using var client = ClientFor(server.Port, new MultipoolerClientOptions { MaxDeadline = TimeSpan.FromSeconds(20) });

        var error = await Assert.ThrowsAsync<MultipoolerRpcException>(() => client.GetBackupsAsync(Pooler(), new GetBackupsRequest(),
            new MultipoolerCallOptions { Deadline = TimeSpan.Zero }));
        Assert.Equal(GrpcStatusCode.DeadlineExceeded, error.StatusCode);
        Assert.Empty(server.Calls);

        await client.GetBackupsAsync(Pooler(), new GetBackupsRequest(), new MultipoolerCallOptions { Deadline = TimeSpan.FromHours(1) });
        Assert.Equal("20000m", Assert.Single(server.Calls).GrpcTimeout);
    }

    [Fact]
    public async Task Connection_refused_is_UNAVAILABLE_naming_the_pooler_and_the_dialled_address()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var closedPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var client = ClientFor(closedPort);

        var error = await Assert.ThrowsAsync<MultipoolerRpcException>(() => client.GetBackupsAsync(Pooler(), new GetBackupsRequest()));

        Assert.Equal(GrpcStatusCode.Unavailable, error.StatusCode);
        Assert.Equal(PoolerAddress, error.Address);
        Assert.Contains(PoolerAddress, error.Message, StringComparison.Ordinal);
        Assert.Contains($"dialled 127.0.0.1:{closedPort}", error.Detail, StringComparison.Ordinal);
        Assert.Contains("cannot connect", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Calls_reuse_one_connection_sequentially_and_concurrently()
    {
        await using var server = await FakeGrpcServer.StartAsync(call => call.Method == "GetBackups"
            ? call.RespondAsync(new GetBackupsResponse { Backups = { FullBackup("20260224-143055F") } })
            : call.RespondAsync(new ReloadConfigResponse()));
        using var client = ClientFor(server.Port);

        await client.GetBackupsAsync(Pooler(), new GetBackupsRequest());
        await client.ReloadConfigAsync(Pooler(), new ReloadConfigRequest());
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => client.GetBackupsAsync(Pooler(), new GetBackupsRequest())));

        Assert.Equal(10, server.Calls.Count);
        Assert.Equal(1, server.ConnectionsAccepted);
    }

    [Fact]
    public async Task A_connection_survives_a_failed_call()
    {
        var fail = true;
        await using var server = await FakeGrpcServer.StartAsync(call => fail
            ? call.FailInTrailersAsync(GrpcStatusCode.FailedPrecondition, "pgbackrest config not found")
            : call.RespondAsync(new GetBackupsResponse()));
        using var client = ClientFor(server.Port);

        await Assert.ThrowsAsync<MultipoolerRpcException>(() => client.GetBackupsAsync(Pooler(), new GetBackupsRequest()));
        fail = false;
        await client.GetBackupsAsync(Pooler(), new GetBackupsRequest());

        Assert.Equal(1, server.ConnectionsAccepted);
    }

    [Fact]
    public async Task A_record_without_a_grpc_port_is_a_clear_error_and_nothing_is_dialled()
    {
        var dialled = 0;
        using var client = new MultipoolerClient(new MultipoolerClientOptions
        {
            AddressOverride = (_, _) =>
            {
                dialled++;
                return new Uri("http://127.0.0.1:1");
            },
        });

        var call = client.GetBackupsAsync(Pooler(grpcPort: null), new GetBackupsRequest()); // fails the task, does not throw here
        var error = await Assert.ThrowsAsync<MultipoolerRpcException>(() => call);

        Assert.Equal(GrpcStatusCode.FailedPrecondition, error.StatusCode);
        Assert.Equal("GetBackups", error.Method);
        Assert.Contains("multipooler-zone1-pooler-0", error.Detail, StringComparison.Ordinal);
        Assert.Contains("no \"grpc\" port in port_map (ports: [http])", error.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(":0", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, dialled);
    }

    [Fact]
    public async Task An_oversized_response_is_RESOURCE_EXHAUSTED()
    {
        var big = new GetBackupsResponse();
        for (var i = 0; i < 50; i++)
            big.Backups.Add(FullBackup($"202602{i:00}-143055F"));
        Assert.True(big.CalculateSize() > 2048);
        await using var server = await FakeGrpcServer.StartAsync(call => call.RespondAsync(big));
        using var client = ClientFor(server.Port, new MultipoolerClientOptions { MaxResponseMessageBytes = 2048 });

        var error = await Assert.ThrowsAsync<MultipoolerRpcException>(() => client.GetBackupsAsync(Pooler(), new GetBackupsRequest()));

        Assert.Equal(GrpcStatusCode.ResourceExhausted, error.StatusCode);
        Assert.Contains($"response message of {big.CalculateSize()} bytes is larger than the limit of 2048 bytes", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_oversized_request_is_not_sent()
    {
        await using var server = await FakeGrpcServer.StartAsync(call => call.RespondAsync(new ReloadConfigResponse()));
        using var client = ClientFor(server.Port, new MultipoolerClientOptions { MaxRequestMessageBytes = 64 });
        var request = ReloadDecision.Request(Enumerable.Range(0, 20).ToDictionary(i => $"setting_{i}", i => "value"));

        var error = await Assert.ThrowsAsync<MultipoolerRpcException>(() => client.ReloadConfigAsync(Pooler(), request));

        Assert.Equal(GrpcStatusCode.ResourceExhausted, error.StatusCode);
        Assert.Empty(server.Calls);
    }

    [Fact]
    public async Task Asking_for_TLS_without_TLS_options_fails_clearly()
    {
        using var client = ClientFor(1);

        var error = await Assert.ThrowsAsync<MultipoolerRpcException>(() => client.GetBackupsAsync(Pooler(), new GetBackupsRequest(),
            new MultipoolerCallOptions { TlsServerName = "multipooler.c1.ns.multigres.internal" }));

        Assert.Equal(GrpcStatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("no TLS options", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void The_method_paths_come_from_the_service_descriptor()
    {
        Assert.Equal("/multipoolermanager.MultipoolerManager/GetBackups", MultipoolerClient.GetBackupsPath);
        Assert.Equal("/multipoolermanager.MultipoolerManager/ReloadConfig", MultipoolerClient.ReloadConfigPath);
        var getBackups = MultipoolerClient.Service.FindMethodByName("GetBackups");
        Assert.Equal(GetBackupsRequest.Descriptor, getBackups.InputType);
        Assert.Equal(GetBackupsResponse.Descriptor, getBackups.OutputType);
        var reload = MultipoolerClient.Service.FindMethodByName("ReloadConfig");
        Assert.Equal(ReloadConfigRequest.Descriptor, reload.InputType);
        Assert.Equal(ReloadConfigResponse.Descriptor, reload.OutputType);
    }
}
