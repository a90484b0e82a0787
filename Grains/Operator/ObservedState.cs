using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Kubernetes.Informers;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Grains.Operator;

/// <summary>
/// The informer caches a silo keeps (spec §12.3): every Multigres object, and the Deployments,
/// StatefulSets and Services the operator made (label-filtered by managed-by, so a cluster full of
/// other workloads costs nothing). Grains read observed state from here instead of the API server;
/// the silo's dispatcher listens to the same informers to know which grain to wake.
/// </summary>
public sealed class ObservedState : IAsyncDisposable
{
    public const string ManagedBySelector = LabelKeys.AppManagedBy + "=" + LabelValues.ManagedBy;

    private readonly InformerFactory _factory = new();

    public ObservedState(OperatorResources resources, string? watchNamespace = null)
    {
        ArgumentNullException.ThrowIfNull(resources);
        Resources = resources;
        var all = new InformerOptions { Namespace = watchNamespace };
        var owned = all with { LabelSelector = ManagedBySelector };
        Clusters = _factory.GetOrCreate(resources.Clusters, all);
        CoreTemplates = _factory.GetOrCreate(resources.CoreTemplates, all);
        CellTemplates = _factory.GetOrCreate(resources.CellTemplates, all);
        ShardTemplates = _factory.GetOrCreate(resources.ShardTemplates, all);
        Cells = _factory.GetOrCreate(resources.Cells, all);
        TableGroups = _factory.GetOrCreate(resources.TableGroups, all);
        Shards = _factory.GetOrCreate(resources.Shards, all);
        TopoServers = _factory.GetOrCreate(resources.TopoServers, all);
        Deployments = _factory.GetOrCreate(resources.Deployments, owned);
        StatefulSets = _factory.GetOrCreate(resources.StatefulSets, owned);
        Services = _factory.GetOrCreate(resources.Services, owned);
        StorageClasses = _factory.GetOrCreate(resources.StorageClasses, new InformerOptions());
        Pods = _factory.GetOrCreate(resources.Pods, owned);
        Pvcs = _factory.GetOrCreate(resources.Pvcs, owned);
        Pdbs = _factory.GetOrCreate(resources.Pdbs, owned);
        ConfigMaps = _factory.GetOrCreate(resources.ConfigMaps, owned);
        var byShard = Indexers.LabelIndexName(LabelKeys.Shard);
        Pods.AddIndex(byShard, Indexers.ByLabel<Pod>(LabelKeys.Shard));
        Pvcs.AddIndex(byShard, Indexers.ByLabel<PersistentVolumeClaim>(LabelKeys.Shard));
        var byCluster = Indexers.LabelIndexName(LabelKeys.Cluster);
        Cells.AddIndex(byCluster, Indexers.ByLabel<Cell>(LabelKeys.Cluster));
        TableGroups.AddIndex(byCluster, Indexers.ByLabel<TableGroup>(LabelKeys.Cluster));
        TopoServers.AddIndex(byCluster, Indexers.ByLabel<TopoServer>(LabelKeys.Cluster));
        Shards.AddIndex(byCluster, Indexers.ByLabel<Shard>(LabelKeys.Cluster));

    }

    public OperatorResources Resources { get; }

    public SharedInformer<MultigresCluster> Clusters { get; }
    public SharedInformer<CoreTemplate> CoreTemplates { get; }
    public SharedInformer<CellTemplate> CellTemplates { get; }
    public SharedInformer<ShardTemplate> ShardTemplates { get; }
    public SharedInformer<Cell> Cells { get; }
    public SharedInformer<TableGroup> TableGroups { get; }
    public SharedInformer<Shard> Shards { get; }
    public SharedInformer<TopoServer> TopoServers { get; }
    public SharedInformer<Deployment> Deployments { get; }
    public SharedInformer<StatefulSet> StatefulSets { get; }
    public SharedInformer<Service> Services { get; }
    public SharedInformer<StorageClass> StorageClasses { get; }
    public SharedInformer<Pod> Pods { get; }
    public SharedInformer<PersistentVolumeClaim> Pvcs { get; }
    public SharedInformer<PodDisruptionBudget> Pdbs { get; }
    public SharedInformer<ConfigMap> ConfigMaps { get; }

    public bool HasSynced => Clusters.HasSynced && CoreTemplates.HasSynced && CellTemplates.HasSynced && ShardTemplates.HasSynced
        && Cells.HasSynced && TableGroups.HasSynced && Shards.HasSynced && TopoServers.HasSynced
        && Deployments.HasSynced && StatefulSets.HasSynced && Services.HasSynced && StorageClasses.HasSynced
        && Pods.HasSynced && Pvcs.HasSynced && Pdbs.HasSynced && ConfigMaps.HasSynced;

    public void Start() => _factory.Start();

    public Task WaitForSyncAsync(CancellationToken cancellationToken = default) => _factory.WaitForSyncAsync(cancellationToken);

    /// <summary>Objects of <paramref name="informer"/> in <paramref name="namespace"/> labelled with the cluster.</summary>
    public static IEnumerable<T> OfCluster<T>(SharedInformer<T> informer, string @namespace, string cluster) where T : class, IKubernetesObject =>
        informer.Cache.ByIndex(Indexers.LabelIndexName(LabelKeys.Cluster), cluster).Where(o => o.Metadata.Namespace == @namespace);

    public ValueTask DisposeAsync() => _factory.DisposeAsync();
}
