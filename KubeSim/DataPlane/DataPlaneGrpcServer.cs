using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace MultigresOrleans.KubeSim.DataPlane;

/// <summary>
/// The one h2c (HTTP/2 cleartext, prior knowledge) listener on 127.0.0.1 that stands in for every fake
/// multipooler's gRPC port. Pods have no reachable addresses in KubeSim, so a client connects here
/// (e.g. with a connect-to override) while keeping the pooler's real host name as the HTTP/2
/// <c>:authority</c>; the authority picks the pod. The gRPC wire format is written by hand
/// (<see cref="GrpcWire"/>): the project cannot use Grpc.AspNetCore (see DEPENDENCIES.md).
/// </summary>
public sealed partial class DataPlaneGrpcServer : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly SimulatedDataPlane dataPlane;
    private readonly ILogger<DataPlaneGrpcServer> logger;

    private DataPlaneGrpcServer(WebApplication app, SimulatedDataPlane dataPlane)
    {
        this.app = app;
        this.dataPlane = dataPlane;
        logger = app.Services.GetRequiredService<ILogger<DataPlaneGrpcServer>>();
    }

    /// <summary>The bound port (the requested one, or the one the OS chose for 0).</summary>
    public int Port { get; private set; }

    public static async Task<DataPlaneGrpcServer> StartAsync(SimulatedDataPlane dataPlane, int port, Action<ILoggingBuilder>? logging, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(dataPlane);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        if (logging is not null)
            logging(builder.Logging);
        else
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, port, l => l.Protocols = HttpProtocols.Http2);
            k.Limits.MaxRequestBodySize = GrpcWire.MaxMessageBytes + 5;
        });
        var app = builder.Build();
        var server = new DataPlaneGrpcServer(app, dataPlane);
        app.Run(server.HandleAsync);
        await app.StartAsync(ct);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        server.Port = new Uri(address).Port;
        server.LogListening(server.Port, dataPlane.EtcdEndpoint);
        return server;
    }

    private async Task HandleAsync(HttpContext http)
    {
        var request = http.Request;
        if (!HttpMethods.IsPost(request.Method))
        {
            http.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            return;
        }
        if (request.ContentType is not { } contentType || !contentType.StartsWith(GrpcWire.ContentType, StringComparison.OrdinalIgnoreCase))
        {
            // What grpc-go answers a non-gRPC request: 415, outside the gRPC status space.
            http.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            return;
        }

        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = GrpcWire.ContentType;
        var path = request.Path.Value ?? "";
        try
        {
            var body = await ReadBodyAsync(request, http.RequestAborted);
            var message = GrpcWire.ReadUnary(body);
            var response = await dataPlane.InvokeAsync(request.Host.Host, request.Host.Port, path, message, http.RequestAborted);
            await http.Response.Body.WriteAsync(GrpcWire.Frame(response), http.RequestAborted);
            http.Response.AppendTrailer("grpc-status", "0");
        }
        catch (GrpcError e)
        {
            LogCallFailed(path, request.Host.Value ?? "", e.Status, e.Message);
            AnswerError(http, e.Status, e.Message);
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            // The caller reset the stream (its deadline): there is nobody to answer.
        }
        catch (Exception e) when (!http.Response.HasStarted)
        {
            // A fake's own bug still answers as a gRPC server would, so the caller sees a status, not a reset stream.
            LogCallFailed(path, request.Host.Value ?? "", GrpcStatus.Internal, e.Message);
            AnswerError(http, GrpcStatus.Internal, "kubesim data plane: " + e.Message);
        }
    }

    /// <summary>Trailers-Only: the status travels in the one HEADERS frame, with no body, as gRPC servers answer errors.</summary>
    private static void AnswerError(HttpContext http, GrpcStatus status, string message)
    {
        http.Response.Headers["grpc-status"] = ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture);
        http.Response.Headers["grpc-message"] = GrpcWire.EncodeMessage(message);
    }

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > GrpcWire.MaxMessageBytes + 5)
                throw new GrpcError(GrpcStatus.Internal, $"request larger than {GrpcWire.MaxMessageBytes} bytes");
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "KubeSim data plane gRPC listening on 127.0.0.1:{DataPlaneGrpcPort} (topology etcd {DataPlaneEtcd})")]
    private partial void LogListening(int dataPlaneGrpcPort, string dataPlaneEtcd);

    [LoggerMessage(Level = LogLevel.Information, Message = "data plane gRPC {Path} for {Authority} answered {Status}: {Detail}")]
    private partial void LogCallFailed(string path, string authority, GrpcStatus status, string detail);
}
