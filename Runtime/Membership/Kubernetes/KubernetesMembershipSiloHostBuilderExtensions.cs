using Microsoft.Extensions.Logging;
using MultigresOrleans.Kubernetes.Client;

namespace MultigresOrleans.Runtime.Membership.Kubernetes;

/// <summary>Registration of Lease-based membership on a silo.</summary>
public static class KubernetesMembershipSiloHostBuilderExtensions
{
    /// <summary>
    /// Joins the grain cluster named by <see cref="KubernetesMembershipOptions.ClusterName"/> through
    /// Leases in <see cref="KubernetesMembershipOptions.Namespace"/>. Give the membership a client of
    /// its own with <c>MaxRetries = 0</c>: renewals keep their own schedule and must not sit in retries.
    /// </summary>
    public static SiloHostBuilder UseKubernetesMembership(this SiloHostBuilder builder, KubernetesClient client, Action<KubernetesMembershipOptions> configure, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new KubernetesMembershipOptions();
        configure(options);
        return builder.UseMembership(silo => KubernetesMembership.ForSilo(
            client,
            options,
            silo.SiloName,
            silo.PartitionCount,
            (loggerFactory ?? client.LoggerFactory).CreateLogger("MultigresOrleans.Runtime.Membership")));
    }
}
