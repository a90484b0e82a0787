using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Resolution;
using MultigresOrleans.Grains.Validation;

namespace MultigresOrleans.Webhooks;

/// <summary>
/// Everything admission needs to know beyond the object under review. Kept behind an interface so
/// the webhook can move from listing through the API server (today) to asking template grains (the
/// later runtime-client step) without touching the handlers, and so unit tests use plain data.
/// Implementations throw <see cref="TemplateSourceException"/> (or any exception) when a lookup
/// fails; the handler turns that into the reference's wrapped message.
/// </summary>
public interface IAdmissionDataSource
{
    /// <summary>The Core/Cell/ShardTemplates of one namespace as one consistent snapshot.</summary>
    Task<ITemplateSource> TemplatesAsync(string @namespace, CancellationToken cancellationToken);

    /// <summary>Labels of every Node, or null when they could not be listed (zone warnings are then skipped).</summary>
    Task<IReadOnlyList<IReadOnlyDictionary<string, string>>?> NodeLabelsAsync(CancellationToken cancellationToken);

    Task<IReadOnlyList<StorageClassInfo>> StorageClassesAsync(CancellationToken cancellationToken);

    Task<IReadOnlyList<MultigresCluster>> ClustersAsync(string @namespace, CancellationToken cancellationToken);
}

/// <summary>Fixed data: unit tests, and offline tools that judge manifests.</summary>
public sealed class InMemoryAdmissionDataSource : IAdmissionDataSource
{
    public List<CoreTemplate> CoreTemplates { get; } = [];
    public List<CellTemplate> CellTemplates { get; } = [];
    public List<ShardTemplate> ShardTemplates { get; } = [];
    public List<MultigresCluster> Clusters { get; } = [];
    public List<IReadOnlyDictionary<string, string>>? NodeLabels { get; set; } = [];
    public List<StorageClassInfo> StorageClasses { get; } =
        [new("standard", new Dictionary<string, string> { ["storageclass.kubernetes.io/is-default-class"] = "true" })];

    public Task<ITemplateSource> TemplatesAsync(string @namespace, CancellationToken cancellationToken) =>
        Task.FromResult<ITemplateSource>(new InMemoryTemplateSource(
            CoreTemplates.Where(t => t.Metadata.Namespace == @namespace),
            CellTemplates.Where(t => t.Metadata.Namespace == @namespace),
            ShardTemplates.Where(t => t.Metadata.Namespace == @namespace)));

    public Task<IReadOnlyList<IReadOnlyDictionary<string, string>>?> NodeLabelsAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<IReadOnlyDictionary<string, string>>?>(NodeLabels);

    public Task<IReadOnlyList<StorageClassInfo>> StorageClassesAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<StorageClassInfo>>(StorageClasses);

    public Task<IReadOnlyList<MultigresCluster>> ClustersAsync(string @namespace, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<MultigresCluster>>(Clusters.Where(c => c.Metadata.Namespace == @namespace).ToList());
}
