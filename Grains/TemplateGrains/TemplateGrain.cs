using Microsoft.Extensions.Logging;
using MultigresOrleans.Grains.Abstractions.Grains;
using MultigresOrleans.Grains.Operator;
using MultigresOrleans.Grains.Resolution;
using MultigresOrleans.Runtime;

namespace MultigresOrleans.Grains.TemplateGrains;

/// <summary>
/// One template (kind/namespace/name). Its consumers are computed from the clusters the silo's
/// informer sees, not from <c>status.resolvedTemplates</c>, so a cluster the controller has not
/// reconciled yet, and every user of an implicit <c>default</c>, count (spec §3.2, §16.17). When the
/// template changes the grain reconciles each consumer, so an edit propagates without a resync.
/// </summary>
public sealed partial class TemplateGrain(ObservedState observed, ILogger<TemplateGrain> logger) : Grain, ITemplateGrain
{
    public Task<IReadOnlyList<string>> Consumers()
    {
        var (kind, @namespace, name) = GrainKeys.ParseTemplate(GetPrimaryKeyString());
        IReadOnlyList<string> consumers =
        [
            .. observed.Clusters.Cache.ByIndex(Kubernetes.Informers.Indexers.Namespace, @namespace)
                .Where(c => c.Metadata.DeletionTimestamp is null && TemplateUsage.Uses(c.Spec, kind, name))
                .Select(c => c.Metadata.Name!)
                .Order(StringComparer.Ordinal),
        ];
        return Task.FromResult(consumers);
    }

    public async Task<int> Changed()
    {
        var (_, @namespace, _) = GrainKeys.ParseTemplate(GetPrimaryKeyString());
        var consumers = await Consumers().ConfigureAwait(false);
        foreach (var cluster in consumers)
        {
            Log.Notifying(logger, GetPrimaryKeyString(), cluster);
            await GrainFactory.GetGrain<IClusterGrain>(GrainKeys.Of(@namespace, cluster)).Reconcile().ConfigureAwait(false);
        }

        return consumers.Count;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "template {Template} changed: reconciling cluster {Cluster}")]
        public static partial void Notifying(ILogger logger, string template, string cluster);
    }
}
