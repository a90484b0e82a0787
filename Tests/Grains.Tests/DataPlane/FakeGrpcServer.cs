using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MultigresOrleans.Grains.DataPlane;

namespace MultigresOrleans.Grains.Tests.DataPlane;

/// <summary>What the fake server saw of one request.</summary>
public sealed record ReceivedCall(
    string Path, string? ContentType, string? Te, string? GrpcTimeout, string? Authority, byte[] Message, int FrameCount, string? ClientCertificateSubject);

/// <summary>One call in progress at the fake server, with ways to answer it the way a gRPC server does.</summary>
public sealed class FakeCall(HttpContext context, ReceivedCall received)
{
    public HttpContext Context { get; } = context;

    public ReceivedCall Received { get; } = received;

    /// <summary>The method name, e.g. <c>GetBackups</c>.</summary>
    public string Method => Received.Path[(Received.Path.LastIndexOf('/') + 1)..];

    public T Request<T>(MessageParser<T> parser) where T : IMessage<T> => parser.ParseFrom(Received.Message);

    /// <summary>Headers, one message, trailers with <c>grpc-status: 0</c>.</summary>
    public Task RespondAsync(IMessage message) => RespondRawAsync(GrpcWire.Frame(message.ToByteArray()));

    /// <summary>Headers, the given body bytes as they are, trailers with <c>grpc-status: 0</c>.</summary>
    public async Task RespondRawAsync(byte[] body)
    {
        Context.Response.StatusCode = 200;
        Context.Response.ContentType = GrpcWire.ContentType;
        await Context.Response.Body.WriteAsync(body);
        Context.Response.AppendTrailer(GrpcWire.StatusHeader, "0");
    }

    /// <summary>Headers first, then a status in the trailers (the form a server uses once it has started answering).</summary>
    public async Task FailInTrailersAsync(GrpcStatusCode code, string message)
    {
        Context.Response.StatusCode = 200;
        Context.Response.ContentType = GrpcWire.ContentType;
        await Context.Response.StartAsync();
        await Context.Response.Body.FlushAsync();
        Context.Response.AppendTrailer(GrpcWire.StatusHeader, ((int)code).ToString(System.Globalization.CultureInfo.InvariantCulture));
        Context.Response.AppendTrailer(GrpcWire.MessageHeader, GrpcWire.PercentEncode(message));
    }

    /// <summary>Trailers-only: the status in the one HEADERS frame, no body (how a server rejects a call up front).</summary>
    public Task FailTrailersOnlyAsync(GrpcStatusCode code, string message)
    {
        Context.Response.StatusCode = 200;
        Context.Response.ContentType = GrpcWire.ContentType;
        Context.Response.Headers[GrpcWire.StatusHeader] = ((int)code).ToString(System.Globalization.CultureInfo.InvariantCulture);
        Context.Response.Headers[GrpcWire.MessageHeader] = GrpcWire.PercentEncode(message);
        return Task.CompletedTask;
    }
}

/// <summary>
/// A gRPC server on Kestrel speaking the wire format by hand, listening on 127.0.0.1 with an OS-chosen port: HTTP/2
/// cleartext (prior knowledge), or TLS that requires and verifies a client certificate against a CA. It records every
/// request and counts the TCP connections it accepts.
/// </summary>
public sealed class FakeGrpcServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _connections;

    private FakeGrpcServer(WebApplication app) => _app = app;

    public int Port { get; private set; }

    /// <summary>TCP connections accepted so far (counted before TLS, so a failed handshake counts too).</summary>
    public int ConnectionsAccepted => Volatile.Read(ref _connections);

    public ConcurrentQueue<ReceivedCall> Calls { get; } = new();

    public static async Task<FakeGrpcServer> StartAsync(Func<FakeCall, Task> handler, X509Certificate2? serverCertificate = null,
        X509Certificate2? clientCertificateAuthority = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        FakeGrpcServer? server = null;
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen =>
        {
            listen.Protocols = HttpProtocols.Http2;
            listen.Use(next => connection =>
            {
                Interlocked.Increment(ref server!._connections);
                return next(connection);
            });
            if (serverCertificate is not null)
            {
                listen.UseHttps(new HttpsConnectionAdapterOptions
                {
                    ServerCertificate = serverCertificate,
                    ClientCertificateMode = ClientCertificateMode.RequireCertificate,
                    ClientCertificateValidation = (certificate, _, _) => clientCertificateAuthority is not null && ChainsTo(certificate, clientCertificateAuthority),
                });
            }
        }));
        var app = builder.Build();
        server = new FakeGrpcServer(app);
        app.Run(async context =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body, context.RequestAborted);
            var (message, frames) = Unframe(body.ToArray());
            var received = new ReceivedCall(
                context.Request.Path.Value ?? string.Empty,
                context.Request.ContentType,
                context.Request.Headers.TE.ToString(),
                context.Request.Headers[GrpcWire.TimeoutHeader].ToString(),
                context.Request.Host.Value,
                message,
                frames,
                context.Connection.ClientCertificate?.Subject);
            server.Calls.Enqueue(received);
            await handler(new FakeCall(context, received));
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        server.Port = new Uri(address).Port;
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static (byte[] Message, int Frames) Unframe(byte[] body)
    {
        var frames = 0;
        byte[] last = [];
        for (var offset = 0; offset + GrpcWire.PrefixLength <= body.Length;)
        {
            var (_, length) = GrpcWire.ReadPrefix(body.AsSpan(offset));
            last = body.AsSpan(offset + GrpcWire.PrefixLength, (int)length).ToArray();
            offset += GrpcWire.PrefixLength + (int)length;
            frames++;
        }

        return (last, frames);
    }

    private static bool ChainsTo(X509Certificate2 certificate, X509Certificate2 authority)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid("1.3.6.1.5.5.7.3.2")); // client authentication
        return chain.Build(certificate);
    }
}
