using MultigresOrleans.Grains.Abstractions.Api;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Resolution;
using MultigresOrleans.Grains.Validation;
using MultigresOrleans.Kubernetes.Client;

namespace MultigresOrleans.Webhooks;

/// <summary>
/// Admission data read straight from the API server on every request. Lists, not informers: the
/// webhook answers a few requests per write, and a list is always as fresh as the write it judges
/// (an informer could miss a template created a millisecond earlier).
/// </summary>
public sealed class KubernetesAdmissionDataSource(KubernetesClient client) : IAdmissionDataSource
{
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
        try
        {
            var nodes = await _nodes.ListAsync(cancellationToken: cancellationToken);
            return nodes.Items.Select(n => (IReadOnlyDictionary<string, string>?)n.Metadata.Labels ?? new Dictionary<string, string>()).ToList();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The reference skips the zone warnings silently when nodes cannot be listed (spec §3.1 B.0).
            return null;
        }
    }

    public async Task<IReadOnlyList<StorageClassInfo>> StorageClassesAsync(CancellationToken cancellationToken)
    {
        var classes = await _classes.ListAsync(cancellationToken: cancellationToken);
        return classes.Items.Select(c => new StorageClassInfo(c.Metadata.Name ?? "", c.Metadata.Annotations)).ToList();
    }

    public async Task<IReadOnlyList<MultigresCluster>> ClustersAsync(string @namespace, CancellationToken cancellationToken) =>
        (await _clusters.ListAsync(@namespace, cancellationToken: cancellationToken)).Items;
}
