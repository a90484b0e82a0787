using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MultigresOrleans.KubeSim.Tests.Infrastructure;

/// <summary>
/// An HTTPS admission webhook for tests (port 0, certificate from KubeSim's CA): /mutate adds a
/// label and a warning, /validate denies ConfigMaps carrying a `forbidden` key, /hang never answers.
/// It records the userInfo of every review it receives.
/// </summary>
public sealed class TestWebhookServer : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly TaskCompletionSource never = new();

    public ConcurrentQueue<string> Usernames { get; } = new();
    public Uri Url { get; private set; } = null!;

    private TestWebhookServer(WebApplication app) => this.app = app;

    public static async Task<TestWebhookServer> StartAsync(System.Security.Cryptography.X509Certificates.X509Certificate2 certificate)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(certificate)));
        var app = builder.Build();
        var server = new TestWebhookServer(app);
        app.MapPost("/mutate", async (HttpContext http) =>
        {
            var (uid, request) = await server.ReadAsync(http);
            var patch = """[{"op":"add","path":"/metadata/labels","value":{"mutated":"true"}}]""";
            return Reply(uid, true, patch: patch, warning: "mutated by test");
        });
        app.MapPost("/validate", async (HttpContext http) =>
        {
            var (uid, request) = await server.ReadAsync(http);
            var forbidden = request["object"]?["data"]?["forbidden"] is not null;
            return forbidden
                ? Reply(uid, false, status: new JsonObject { ["code"] = 403, ["reason"] = "Forbidden", ["message"] = "forbidden key" })
                : Reply(uid, true);
        });
        app.MapPost("/hang", async (HttpContext http) =>
        {
            await server.ReadAsync(http);
            await server.never.Task.WaitAsync(http.RequestAborted);
            return Results.Ok();
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        server.Url = new Uri(address);
        return server;
    }

    private async Task<(string Uid, JsonObject Request)> ReadAsync(HttpContext http)
    {
        using var reader = new StreamReader(http.Request.Body, Encoding.UTF8);
        var review = JsonNode.Parse(await reader.ReadToEndAsync())!;
        var request = (JsonObject)review["request"]!;
        Usernames.Enqueue(request["userInfo"]!["username"]!.GetValue<string>());
        return (request["uid"]!.GetValue<string>(), request);
    }

    private static IResult Reply(string uid, bool allowed, string? patch = null, string? warning = null, JsonObject? status = null)
    {
        var response = new JsonObject { ["uid"] = uid, ["allowed"] = allowed };
        if (patch is not null)
        {
            response["patchType"] = "JSONPatch";
            response["patch"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(patch));
        }
        if (warning is not null)
            response["warnings"] = new JsonArray(warning);
        if (status is not null)
            response["status"] = status;
        var review = new JsonObject { ["apiVersion"] = "admission.k8s.io/v1", ["kind"] = "AdmissionReview", ["response"] = response };
        return Results.Text(review.ToJsonString(), "application/json");
    }

    public async ValueTask DisposeAsync()
    {
        never.TrySetCanceled();
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
