using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Builders;
using MultigresOrleans.Grains.Builders.Cluster;
using MultigresOrleans.Grains.Operator;
using MultigresOrleans.Grains.Resolution;

namespace MultigresOrleans.Grains.Clusters;

// Spec §6.1 step 7: the global TopoServer (or removal of managed ones after a switch to external),
// MultiAdmin and MultiAdmin-Web, and the two global gateway Services.
public sealed partial class ClusterGrain
{
    private async Task<GlobalTopoServerRef> ReconcileGlobalComponentsAsync(
        MultigresCluster cluster, MultigresCluster resolved, ClusterImages images, ITemplateSource templates)
    {
        var ns = cluster.Metadata.Namespace!;
        GlobalTopoServerSpec globalTopo;
        try
        {
            globalTopo = GlobalResolver.ResolveGlobalTopo(resolved.Spec, templates);
        }
        catch (TemplateResolutionException exception)
        {
            await Warn(cluster, "TemplateMissing", exception.Message).ConfigureAwait(false);
            throw;
        }

        // The builders take the cluster object (name, namespace, UID for owner references) with its resolved spec.
        var owner = cluster with { Spec = resolved.Spec };
        if (GlobalTopoServerBuilder.Build(owner, globalTopo) is { } topoServer)
        {
            if (await applier.ApplyAsync(Resources.TopoServers, topoServer, observed.TopoServers.Cache.Get(ns, topoServer.Metadata.Name!)).ConfigureAwait(false) == ApplyOutcome.Applied)
                await Normal(cluster, "Applied", $"Applied Global TopoServer {topoServer.Metadata.Name}").ConfigureAwait(false);
        }
        else
        {
            // Only the cluster's own (global) TopoServers: the reference deletes every TopoServer labelled with
            // the cluster, which includes the managed local etcd of a Cell, which the Cell then recreates —
            // the external-etcd sample (external global, managed local) never converged that way.
            foreach (var stale in Children(observed.TopoServers, cluster).Where(t => t.Metadata.DeletionTimestamp is null
                && t.Metadata.OwnerReferences?.Any(o => o.Controller == true && o.Uid == cluster.Metadata.Uid) == true))
            {
                await DeleteIgnoringNotFoundAsync(Resources.TopoServers, stale.Metadata.Name!, ns).ConfigureAwait(false);
                await Normal(cluster, "Deleted", $"Deleted stale TopoServer {stale.Metadata.Name} (switched to external)").ConfigureAwait(false);
            }
        }

        try
        {
            var multiadmin = GlobalResolver.ResolveMultiadmin(resolved.Spec, templates);
            var adminDeployment = MultiadminBuilder.BuildDeployment(owner, multiadmin, images, environment);
            var adminApplied = await ApplyDeploymentAsync(adminDeployment).ConfigureAwait(false);
            adminApplied |= await ApplyServiceAsync(MultiadminBuilder.BuildService(owner)).ConfigureAwait(false);
            if (adminApplied)
                await Normal(cluster, "Applied", $"Applied Multiadmin Deployment {adminDeployment.Metadata.Name}").ConfigureAwait(false);

            var web = GlobalResolver.ResolveMultiadminWeb(resolved.Spec, templates);
            var webDeployment = MultiadminWebBuilder.BuildDeployment(owner, web, images);
            var webApplied = await ApplyDeploymentAsync(webDeployment).ConfigureAwait(false);
            webApplied |= await ApplyServiceAsync(MultiadminWebBuilder.BuildService(owner)).ConfigureAwait(false);
            webApplied |= await ApplyServiceAsync(GlobalGatewayServicesBuilder.BuildGatewayService(owner)).ConfigureAwait(false);
            webApplied |= await ApplyServiceAsync(GlobalGatewayServicesBuilder.BuildReplicaService(owner)).ConfigureAwait(false);
            if (webApplied)
                await Normal(cluster, "Applied", $"Applied MultiadminWeb Deployment {webDeployment.Metadata.Name}").ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is TemplateResolutionException or Kubernetes.Client.KubernetesApiException)
        {
            await Warn(cluster, "FailedApply", $"Failed to reconcile global components: {exception.Message}").ConfigureAwait(false);
            throw;
        }

        return GlobalTopoServerBuilder.Ref(owner, globalTopo);
    }

    private async Task<bool> ApplyDeploymentAsync(Kubernetes.Models.Deployment desired) =>
        await applier.ApplyAsync(Resources.Deployments, desired, observed.Deployments.Cache.Get(desired.Metadata.Namespace, desired.Metadata.Name!)).ConfigureAwait(false)
            == ApplyOutcome.Applied;

    private async Task<bool> ApplyServiceAsync(Kubernetes.Models.Service desired) =>
        await applier.ApplyAsync(Resources.Services, desired, observed.Services.Cache.Get(desired.Metadata.Namespace, desired.Metadata.Name!)).ConfigureAwait(false)
            == ApplyOutcome.Applied;
}
