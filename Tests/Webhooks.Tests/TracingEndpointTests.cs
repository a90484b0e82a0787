using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.KubeSim.Patching;
using static MultigresOrleans.Webhooks.Tests.Reviews;

namespace MultigresOrleans.Webhooks.Tests;

/// <summary>The trace bridge through the HTTPS server: the annotation continues the API server's trace.</summary>
[Collection(WebhookCollection.Name)]
public sealed class TracingEndpointTests(WebhookFixture fixture)
{
    [Fact]
    public async Task With_tracing_on_the_mutating_patch_carries_a_traceparent_in_the_callers_trace()
    {
        var options = new WebhookOptions { Port = 0, OtlpEndpoint = "http://otel-collector:4318" };
        await using var app = WebhookServer.Build(options, new InMemoryAdmissionDataSource(), fixture.Certificate, IPAddress.Loopback, logging: b => b.ClearProviders());
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using var client = fixture.NewClient();
        client.BaseAddress = new Uri(address);
        const string callerTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
        client.DefaultRequestHeaders.Add("traceparent", $"00-{callerTrace}-00f067aa0ba902b7-01");

        var cluster = MinimalCluster(fixture.NewNamespace("traced"));
        var (status, body, _) = await fixture.PostAsync(WebhookEndpoints.MutatePath, Review("CREATE", cluster), client);
        Assert.Equal(HttpStatusCode.OK, status);
        var patch = JsonNode.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(body!["response"]!["patch"]!.GetValue<string>())))!;
        var annotations = JsonPatch.Apply(cluster, patch)!["metadata"]!["annotations"]!;
        var traceParent = annotations[AnnotationKeys.TraceParent]!.GetValue<string>();
        Assert.StartsWith($"00-{callerTrace}-", traceParent, StringComparison.Ordinal);
        Assert.DoesNotContain("00f067aa0ba902b7", traceParent, StringComparison.Ordinal);
        Assert.NotNull(annotations[AnnotationKeys.TraceParentTimestamp]);
        await app.StopAsync();
    }
}
