using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;

namespace MultigresOrleans.Grains.Resolution;

/// <summary>The multiadmin Deployment's resolved spec and the tolerations of its pods.</summary>
public sealed record ResolvedMultiadmin(StatelessSpec Spec, PodPlacementSpec? Placement);

/// <summary>
/// The cluster-wide components (global topology server, multiadmin, multiadmin-web) through the chain of
/// spec §2.3: inline on top of the CoreTemplate (own <c>templateRef</c> → <c>templateDefaults.coreTemplate</c>
/// → namespace <c>default</c>) on top of the hard-coded defaults.
/// </summary>
public static class GlobalResolver
{
    /// <summary>
    /// Spec §2.4 "GlobalTopo resolution": inline <c>external</c> replaces etcd altogether; otherwise inline
    /// etcd merges over the template's. The spec-level pvcDeletionPolicy and placement replace the template's.
    /// The result never carries a <c>templateRef</c>: it is what the controller deploys.
    /// </summary>
    public static GlobalTopoServerSpec ResolveGlobalTopo(MultigresClusterSpec cluster, ITemplateSource templates)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        var inline = cluster.GlobalTopoServer;
        var template = TemplateLookup.Core(
            templates,
            FirstNonEmpty(inline?.TemplateRef, cluster.TemplateDefaults?.CoreTemplate));
        var fromTemplate = template.GlobalTopoServer;

        // A template's topology block without etcd is rejected by its CEL rule; start from an empty etcd so a
        // stored-anyway template still resolves to a deployable server.
        EtcdSpec? etcd = fromTemplate?.Etcd ?? new EtcdSpec();
        ExternalTopoServerSpec? external = null;
        if (inline?.External is not null)
        {
            external = inline.External;
            etcd = null;
        }
        else if (inline?.Etcd is not null)
        {
            etcd = MergeRules.MergeEtcd(etcd, inline.Etcd);
        }

        return new GlobalTopoServerSpec
        {
            Etcd = etcd is null ? null : HardcodedDefaults.ApplyEtcd(etcd, HardcodedDefaults.GlobalTopoRootPath),
            External = external is null ? null : HardcodedDefaults.ApplyExternal(external, HardcodedDefaults.GlobalTopoRootPath),
            PvcDeletionPolicy = inline?.PvcDeletionPolicy ?? fromTemplate?.PvcDeletionPolicy,
            Placement = MergeRules.MergePlacement(fromTemplate?.Placement, inline?.Placement),
        };
    }

    /// <summary>CoreTemplate <c>multiadmin</c>/<c>multiadminPlacement</c>, then inline spec and placement, then defaults.</summary>
    public static ResolvedMultiadmin ResolveMultiadmin(MultigresClusterSpec cluster, ITemplateSource templates)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        var inline = cluster.Multiadmin;
        var template = TemplateLookup.Core(
            templates,
            FirstNonEmpty(inline?.TemplateRef, cluster.TemplateDefaults?.CoreTemplate));
        var spec = MergeRules.MergeStateless(template.Multiadmin ?? new StatelessSpec(), inline?.Spec);
        var placement = MergeRules.MergePlacement(template.MultiadminPlacement, inline?.Placement);
        return new ResolvedMultiadmin(
            HardcodedDefaults.ApplyStateless(spec, HardcodedDefaults.MultiadminResources, HardcodedDefaults.MultiadminReplicas),
            placement);
    }

    public static StatelessSpec ResolveMultiadminWeb(MultigresClusterSpec cluster, ITemplateSource templates)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        var inline = cluster.MultiadminWeb;
        var template = TemplateLookup.Core(
            templates,
            FirstNonEmpty(inline?.TemplateRef, cluster.TemplateDefaults?.CoreTemplate));
        var spec = MergeRules.MergeStateless(template.MultiadminWeb ?? new StatelessSpec(), inline?.Spec);
        return HardcodedDefaults.ApplyStateless(spec, HardcodedDefaults.MultiadminWebResources, HardcodedDefaults.MultiadminWebReplicas);
    }

    internal static string? FirstNonEmpty(string? first, string? second) =>
        !string.IsNullOrEmpty(first) ? first : second;
}
