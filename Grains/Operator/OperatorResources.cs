using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Kubernetes.Client;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Grains.Operator;

/// <summary>The API resources the operator reads and writes, as typed clients over one <see cref="KubernetesClient"/>.</summary>
public sealed class OperatorResources(KubernetesClient client)
{
    public static ApiResource Multigres(string plural, string kind) => new(ApiConstants.Group, ApiConstants.Version, plural, true, kind);

    public KubernetesClient Client { get; } = client;

    public ResourceClient<MultigresCluster> Clusters { get; } =
        client.Resource(Multigres("multigresclusters", ApiConstants.MultigresClusterKind), MultigresJsonContext.Default.MultigresCluster);

    public ResourceClient<CoreTemplate> CoreTemplates { get; } =
        client.Resource(Multigres("coretemplates", ApiConstants.CoreTemplateKind), MultigresJsonContext.Default.CoreTemplate);

    public ResourceClient<CellTemplate> CellTemplates { get; } =
        client.Resource(Multigres("celltemplates", ApiConstants.CellTemplateKind), MultigresJsonContext.Default.CellTemplate);

    public ResourceClient<ShardTemplate> ShardTemplates { get; } =
        client.Resource(Multigres("shardtemplates", ApiConstants.ShardTemplateKind), MultigresJsonContext.Default.ShardTemplate);

    public ResourceClient<Cell> Cells { get; } =
        client.Resource(Multigres("cells", ApiConstants.CellKind), MultigresJsonContext.Default.Cell);

    public ResourceClient<TableGroup> TableGroups { get; } =
        client.Resource(Multigres("tablegroups", ApiConstants.TableGroupKind), MultigresJsonContext.Default.TableGroup);

    public ResourceClient<Shard> Shards { get; } =
        client.Resource(Multigres("shards", ApiConstants.ShardKind), MultigresJsonContext.Default.Shard);

    public ResourceClient<TopoServer> TopoServers { get; } =
        client.Resource(Multigres("toposervers", ApiConstants.TopoServerKind), MultigresJsonContext.Default.TopoServer);

    public ResourceClient<Deployment> Deployments { get; } = client.Resource(KnownResources.Deployments, KubernetesJsonContext.Default.Deployment);

    public ResourceClient<StatefulSet> StatefulSets { get; } = client.Resource(KnownResources.StatefulSets, KubernetesJsonContext.Default.StatefulSet);

    public ResourceClient<Service> Services { get; } = client.Resource(KnownResources.Services, KubernetesJsonContext.Default.Service);

    public ResourceClient<PersistentVolumeClaim> Pvcs { get; } =
        client.Resource(KnownResources.PersistentVolumeClaims, KubernetesJsonContext.Default.PersistentVolumeClaim);

    public ResourceClient<Pod> Pods { get; } = client.Resource(KnownResources.Pods, KubernetesJsonContext.Default.Pod);

    public ResourceClient<ConfigMap> ConfigMaps { get; } = client.Resource(KnownResources.ConfigMaps, KubernetesJsonContext.Default.ConfigMap);

    public ResourceClient<PodDisruptionBudget> Pdbs { get; } =
        client.Resource(KnownResources.PodDisruptionBudgets, KubernetesJsonContext.Default.PodDisruptionBudget);

    public ResourceClient<Secret> Secrets { get; } = client.Resource(KnownResources.Secrets, KubernetesJsonContext.Default.Secret);

    public ResourceClient<StorageClass> StorageClasses { get; } =
        client.Resource(KnownResources.StorageClasses, KubernetesJsonContext.Default.StorageClass);

    public ResourceClient<CoreEvent> Events { get; } = client.Resource(KnownResources.Events, KubernetesJsonContext.Default.CoreEvent);
}
