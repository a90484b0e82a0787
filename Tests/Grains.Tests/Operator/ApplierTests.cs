using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using MultigresOrleans.Grains.Operator;
using MultigresOrleans.Kubernetes.Client;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Grains.Tests.Operator;

/// <summary>
/// The applier sends a server-side apply only when it could change something, and forgets deleted
/// objects. The API server is a handler that records every request and answers an apply with the
/// applied object, so the tests count requests instead of guessing.
/// </summary>
public sealed class ApplierTests : IDisposable
{
    private readonly RecordingHandler _server = new();
    private readonly KubernetesClient _client;
    private readonly ResourceClient<ConfigMap> _configMaps;
    private readonly Applier _applier = new("multigres-operator", NullLogger<Applier>.Instance);

    public ApplierTests()
    {
        _client = new KubernetesClient(new KubernetesClientConfiguration { Server = new Uri("http://api.test") },
            new KubernetesClientOptions { MaxRetries = 0 }, handler: _server);
        _configMaps = _client.Resource(KnownResources.ConfigMaps, KubernetesJsonContext.Default.ConfigMap);
    }

    public void Dispose() => _client.Dispose();

    [Fact]
    public async Task A_first_apply_is_sent_and_the_same_intent_on_a_matching_live_object_is_not()
    {
        var desired = Desired("a", "1");
        Assert.Equal(ApplyOutcome.Applied, await _applier.ApplyAsync(_configMaps, desired, live: null));
        var live = Live(desired, extraLabel: true); // the server added fields of its own
        Assert.Equal(ApplyOutcome.Unchanged, await _applier.ApplyAsync(_configMaps, Desired("a", "1"), live));
        Assert.Equal(1, _server.Applies);
        var request = _server.Requests.Single();
        Assert.Equal(HttpMethod.Patch, request.Method);
        Assert.Contains("fieldManager=multigres-operator", request.Uri, StringComparison.Ordinal);
        Assert.Contains("force=true", request.Uri, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_changed_intent_or_a_live_object_that_drifted_is_applied_again()
    {
        await _applier.ApplyAsync(_configMaps, Desired("a", "1"), live: null);
        Assert.Equal(ApplyOutcome.Applied, await _applier.ApplyAsync(_configMaps, Desired("a", "2"), Live(Desired("a", "1"))));
        Assert.Equal(ApplyOutcome.Applied, await _applier.ApplyAsync(_configMaps, Desired("a", "2"), Live(Desired("a", "edited by someone"))));
        Assert.Equal(3, _server.Applies);
    }

    [Fact]
    public async Task Forgetting_a_deleted_object_drops_its_memory_and_its_recreation_is_applied()
    {
        await _applier.ApplyAsync(_configMaps, Desired("a", "1"), live: null);
        await _applier.ApplyAsync(_configMaps, Desired("b", "1"), live: null);
        Assert.Equal(2, _applier.Remembered);

        _applier.Forget(KnownResources.ConfigMaps.Plural, Desired("a", "1").Metadata);
        Assert.Equal(1, _applier.Remembered);
        // Recreated by someone else with the same content: this silo has not applied it since, so it applies.
        Assert.Equal(ApplyOutcome.Applied, await _applier.ApplyAsync(_configMaps, Desired("a", "1"), Live(Desired("a", "1"))));
        Assert.Equal(ApplyOutcome.Unchanged, await _applier.ApplyAsync(_configMaps, Desired("b", "1"), Live(Desired("b", "1"))));
        Assert.Equal(3, _server.Applies);
    }

    [Fact]
    public void Contains_all_treats_lists_as_owned_whole_and_objects_as_open()
    {
        Assert.True(Applier.ContainsAll(JsonDocumentNode("""{"a":1,"b":{"c":2,"d":3}}"""), JsonDocumentNode("""{"b":{"c":2}}""")));
        Assert.False(Applier.ContainsAll(JsonDocumentNode("""{"b":{"c":2}}"""), JsonDocumentNode("""{"b":{"c":3}}""")));
        Assert.False(Applier.ContainsAll(JsonDocumentNode("""{"l":[1,2,3]}"""), JsonDocumentNode("""{"l":[1,2]}""")));
        Assert.True(Applier.ContainsAll(JsonDocumentNode("""{"l":[{"x":1,"y":2}]}"""), JsonDocumentNode("""{"l":[{"x":1}]}""")));
        Assert.True(Applier.ContainsAll(JsonDocumentNode("""{"a":1}"""), JsonDocumentNode("""{"gone":null}""")));
        Assert.False(Applier.ContainsAll(JsonDocumentNode("""{"a":1}"""), JsonDocumentNode("""{"b":1}""")));
    }

    private static System.Text.Json.Nodes.JsonNode? JsonDocumentNode(string json) => System.Text.Json.Nodes.JsonNode.Parse(json);

    private static ConfigMap Desired(string name, string value) => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = "ns", Labels = new() { ["app"] = "x" } },
        Data = new() { ["k"] = value },
    };

    private static ConfigMap Live(ConfigMap desired, bool extraLabel = false)
    {
        var live = JsonSerializer.Deserialize(JsonSerializer.Serialize(desired, KubernetesJsonContext.Default.ConfigMap), KubernetesJsonContext.Default.ConfigMap)!;
        live.Metadata.ResourceVersion = "7";
        live.Metadata.Uid = "uid-" + desired.Metadata.Name;
        if (extraLabel)
            live.Metadata.Labels!["added-by-server"] = "yes";
        return live;
    }

    private sealed class RecordingHandler : HttpMessageHandler
    {
        private readonly List<(HttpMethod Method, string Uri)> _requests = [];

        public IReadOnlyList<(HttpMethod Method, string Uri)> Requests
        {
            get
            {
                lock (_requests)
                    return [.. _requests];
            }
        }

        public int Applies => Requests.Count(r => r.Method == HttpMethod.Patch);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            lock (_requests)
                _requests.Add((request.Method, request.RequestUri!.ToString()));
            var body = request.Content is null ? "{}" : await request.Content.ReadAsStringAsync(cancellationToken);
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        }
    }
}
