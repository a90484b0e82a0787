using System.Net;
using System.Text;
using MultigresOrleans.Kubernetes.Client;

namespace MultigresOrleans.Webhooks.Tests;

/// <summary>
/// What the admission data source asks the API server for: node labels (warnings only) at most once per
/// <see cref="KubernetesAdmissionDataSource.NodeCacheAge"/>, shared by concurrent requests and never
/// cached when the list failed; StorageClasses (which can deny) on every request.
/// </summary>
public sealed class KubernetesAdmissionDataSourceTests : IDisposable
{
    private readonly CountingApiServer _server = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-12-06T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private readonly KubernetesClient _client;
    private readonly KubernetesAdmissionDataSource _data;

    public KubernetesAdmissionDataSourceTests()
    {
        _client = new KubernetesClient(new KubernetesClientConfiguration { Server = new Uri("http://api.test") },
            new KubernetesClientOptions { MaxRetries = 0, Qps = 0 }, handler: _server);
        _data = new KubernetesAdmissionDataSource(_client, _time);
    }

    public void Dispose() => _client.Dispose();

    [Fact]
    public async Task Node_labels_are_listed_once_per_cache_age_and_shared_by_concurrent_requests()
    {
        var first = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => _data.NodeLabelsAsync(CancellationToken.None)));
        Assert.All(first, labels => Assert.Equal("us-east-1a", labels![0]["topology.kubernetes.io/zone"]));
        Assert.Equal(1, _server.Lists("nodes"));

        _time.Advance(KubernetesAdmissionDataSource.NodeCacheAge - TimeSpan.FromSeconds(1));
        await _data.NodeLabelsAsync(CancellationToken.None);
        Assert.Equal(1, _server.Lists("nodes"));

        _time.Advance(TimeSpan.FromSeconds(1));
        await _data.NodeLabelsAsync(CancellationToken.None);
        Assert.Equal(2, _server.Lists("nodes"));
    }

    [Fact]
    public async Task A_failed_node_list_skips_the_warnings_and_is_tried_again_next_time()
    {
        _server.FailNodes = true;
        Assert.Null(await _data.NodeLabelsAsync(CancellationToken.None));
        _server.FailNodes = false;
        Assert.NotNull(await _data.NodeLabelsAsync(CancellationToken.None));
        Assert.Equal(2, _server.Lists("nodes"));
    }

    [Fact]
    public async Task Storage_classes_are_listed_for_every_request()
    {
        await _data.StorageClassesAsync(CancellationToken.None);
        await _data.StorageClassesAsync(CancellationToken.None);
        Assert.Equal(2, _server.Lists("storageclasses"));
    }

    /// <summary>Answers lists of nodes and StorageClasses and counts them by resource.</summary>
    private sealed class CountingApiServer : HttpMessageHandler
    {
        private readonly Dictionary<string, int> _lists = new(StringComparer.Ordinal);

        public volatile bool FailNodes;

        public int Lists(string resource)
        {
            lock (_lists)
                return _lists.GetValueOrDefault(resource);
        }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var resource = request.RequestUri!.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries)[^1];
            lock (_lists)
                _lists[resource] = _lists.GetValueOrDefault(resource) + 1;
            await Task.Yield(); // let concurrent callers pile up behind the one list
            if (resource == "nodes" && FailNodes)
                return new HttpResponseMessage(HttpStatusCode.InternalServerError) { Content = new StringContent("""{"kind":"Status","code":500}""", Encoding.UTF8, "application/json") };
            var body = resource == "nodes"
                ? """{"kind":"NodeList","apiVersion":"v1","metadata":{"resourceVersion":"1"},"items":[{"metadata":{"name":"n1","labels":{"topology.kubernetes.io/zone":"us-east-1a"}}}]}"""
                : """{"kind":"StorageClassList","apiVersion":"storage.k8s.io/v1","metadata":{"resourceVersion":"1"},"items":[{"metadata":{"name":"gp3"},"provisioner":"ebs.csi.aws.com"}]}""";
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        }
    }
}
