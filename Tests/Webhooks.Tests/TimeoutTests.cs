using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Resolution;
using MultigresOrleans.Grains.Validation;
using static MultigresOrleans.Webhooks.Tests.Reviews;

namespace MultigresOrleans.Webhooks.Tests;

[Collection(WebhookCollection.Name)]
public sealed class TimeoutTests(WebhookFixture fixture)
{
    /// <summary>A data source whose lookups never finish until cancelled: a stuck API server.</summary>
    private sealed class StuckDataSource : IAdmissionDataSource
    {
        private static async Task<T> Never<T>(CancellationToken cancellationToken)
        {
            // Never completes: only the webhook's own request timeout (cancellation) ends the lookup.
            await new TaskCompletionSource().Task.WaitAsync(cancellationToken);
            throw new InvalidOperationException("unreachable");
        }

        public Task<ITemplateSource> TemplatesAsync(string @namespace, CancellationToken cancellationToken) => Never<ITemplateSource>(cancellationToken);
        public Task<IReadOnlyList<IReadOnlyDictionary<string, string>>?> NodeLabelsAsync(CancellationToken cancellationToken) => Never<IReadOnlyList<IReadOnlyDictionary<string, string>>?>(cancellationToken);
        public Task<IReadOnlyList<StorageClassInfo>> StorageClassesAsync(CancellationToken cancellationToken) => Never<IReadOnlyList<StorageClassInfo>>(cancellationToken);
        public Task<IReadOnlyList<MultigresCluster>> ClustersAsync(string @namespace, CancellationToken cancellationToken) => Never<IReadOnlyList<MultigresCluster>>(cancellationToken);
    }

    [Fact]
    public async Task A_stuck_lookup_is_answered_with_a_denial_before_the_api_server_gives_up()
    {
        var options = new WebhookOptions { Port = 0, RequestTimeout = TimeSpan.FromMilliseconds(200) };
        await using var app = WebhookServer.Build(options, new StuckDataSource(), fixture.Certificate, IPAddress.Loopback, logging: b => b.ClearProviders());
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using var client = fixture.NewClient();
        client.BaseAddress = new Uri(address);

        var (status, body, _) = await fixture.PostAsync(WebhookEndpoints.MutatePath, Review("CREATE", MinimalCluster(fixture.NewNamespace("stuck"))), client);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(body!["response"]!["allowed"]!.GetValue<bool>());
        Assert.Equal(504, body["response"]!["status"]!["code"]!.GetValue<int>());
        Assert.Equal("admission of MultigresCluster timed out after 0.2s", body["response"]!["status"]!["message"]!.GetValue<string>());
        await app.StopAsync();
    }
}
