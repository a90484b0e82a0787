using MultigresOrleans.Grains.Abstractions.Api;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Resolution;
using MultigresOrleans.Grains.Validation;
using MultigresOrleans.Kubernetes.Client;

namespace MultigresOrleans.Webhooks;

/// <summary>
/// Admission data read straight from the API server. Templates, clusters and StorageClasses are
/// listed on every request: a list is always as fresh as the write it judges (an informer could miss
/// a template created a millisecond earlier, and a denial must not rest on stale data). Node labels
/// are different: they only feed warnings, and a large cluster's node list is megabytes, so they are
/// listed at most once per <see cref="NodeCacheAge"/> and shared by concurrent requests.
/// </summary>
public sealed class KubernetesAdmissionDataSource(KubernetesClient client, TimeProvider? time = null) : IAdmissionDataSource
{
    /// <summary>How long listed node labels are reused (they only decide whether a zone warning is shown).</summary>
    public static readonly TimeSpan NodeCacheAge = TimeSpan.FromSeconds(30);

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly SemaphoreSlim _nodeList = new(1, 1);
    private volatile NodeLabelsSnapshot? _nodeLabels; // one reference, so a reader never sees half of a new list

    /// <summary>
    /// Client settings for the webhook process: one admission makes up to eight lists, so the
    /// default 50 QPS would cap admission at a handful per second and queue the API server's own
    /// calls behind the limiter; API Priority and Fairness protects the server instead.
    /// </summary>
    public static KubernetesClientOptions ClientOptions => new() { Qps = 1000, Burst = 2000 };

    private static ApiResource Multigres(string plural) => new(ApiConstants.Group, "v1alpha1", plural, true);

    private readonly ResourceClient<CoreTemplate> _core = client.Resource(Multigres("coretemplates"), MultigresJsonContext.Default.CoreTemplate);
    private readonly ResourceClient<CellTemplate> _cell = client.Resource(Multigres("celltemplates"), MultigresJsonContext.Default.CellTemplate);
    private readonly ResourceClient<ShardTemplate> _shard = client.Resource(Multigres("shardtemplates"), MultigresJsonContext.Default.ShardTemplate);
    private readonly ResourceClient<MultigresCluster> _clusters = client.Resource(Multigres("multigresclusters"), MultigresJsonContext.Default.MultigresCluster);
    private readonly ResourceClient<Kubernetes.Models.Node> _nodes = client.Resource(KnownResources.Nodes, KubernetesJsonContext.Default.Node);
    private readonly ResourceClient<Kubernetes.Models.StorageClass> _classes = client.Resource(KnownResources.StorageClasses, KubernetesJsonContext.Default.StorageClass);

    public async Task<ITemplateSource> TemplatesAsync(string @namespace, CancellationToken cancellationToken)
    {
        try
        {
            var core = _core.ListAsync(@namespace, cancellationToken: cancellationToken);
            var cell = _cell.ListAsync(@namespace, cancellationToken: cancellationToken);
            var shard = _shard.ListAsync(@namespace, cancellationToken: cancellationToken);
            return new InMemoryTemplateSource((await core).Items, (await cell).Items, (await shard).Items);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new TemplateSourceException($"failed to list templates in namespace '{@namespace}': {e.Message}", e);
        }
    }

    public async Task<IReadOnlyList<IReadOnlyDictionary<string, string>>?> NodeLabelsAsync(CancellationToken cancellationToken)
    {
        if (Fresh() is { } cached)
            return cached;
        await _nodeList.WaitAsync(cancellationToken);
        try
        {
            // Requests that waited for the list another one was making use its result.
            if (Fresh() is { } listed)
                return listed;
            var nodes = await _nodes.ListAsync(cancellationToken: cancellationToken);
            var labels = nodes.Items.Select(n => (IReadOnlyDictionary<string, string>?)n.Metadata.Labels ?? new Dictionary<string, string>()).ToList();
            _nodeLabels = new NodeLabelsSnapshot(_time.GetUtcNow(), labels);
            return labels;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The reference skips the zone warnings silently when nodes cannot be listed (spec §3.1 B.0); a failure is not cached.
            return null;
        }
        finally
        {
            _nodeList.Release();
        }
    }

    private IReadOnlyList<IReadOnlyDictionary<string, string>>? Fresh() =>
        _nodeLabels is { } cached && _time.GetUtcNow() - cached.ListedAt < NodeCacheAge ? cached.Labels : null;

    public async Task<IReadOnlyList<StorageClassInfo>> StorageClassesAsync(CancellationToken cancellationToken)
    {
        var classes = await _classes.ListAsync(cancellationToken: cancellationToken);
        return classes.Items.Select(c => new StorageClassInfo(c.Metadata.Name ?? "", c.Metadata.Annotations)).ToList();
    }

    public async Task<IReadOnlyList<MultigresCluster>> ClustersAsync(string @namespace, CancellationToken cancellationToken) =>
        (await _clusters.ListAsync(@namespace, cancellationToken: cancellationToken)).Items;

    private sealed record NodeLabelsSnapshot(DateTimeOffset ListedAt, IReadOnlyList<IReadOnlyDictionary<string, string>> Labels);
}
