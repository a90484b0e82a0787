using System.Text.RegularExpressions;

namespace MultigresOrleans.Runtime.Membership.Kubernetes;

/// <summary>
/// The knobs of Lease-based membership. The defaults give a failover (silo killed → its grains
/// served elsewhere) of at most <see cref="LeaseDuration"/> plus a round trip, and one Lease write
/// per silo per <see cref="RenewInterval"/> in steady state (plus one for the leader).
/// </summary>
public sealed partial class KubernetesMembershipOptions
{
    /// <summary>Namespace of the Leases and the partition-map ConfigMap (the operator's namespace).</summary>
    public string Namespace { get; set; } = "default";

    /// <summary>Names this grain cluster: prefix of its Lease and ConfigMap names and the value of their cluster label.</summary>
    public string ClusterName { get; set; } = "grains";

    /// <summary>How long a Lease stays valid after its last renewal, as judged by observers.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often a silo renews its Lease (and the leader its leader Lease).</summary>
    public TimeSpan RenewInterval { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>After a failed renewal, how soon to try again.</summary>
    public TimeSpan RetryInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// A silo stops serving at (start of its last successful renewal) + LeaseDuration − SafetyMargin,
    /// by its own clock; observers take over no earlier than LeaseDuration after they saw that
    /// renewal. The margin absorbs clock-rate drift and a stalled process resuming.
    /// </summary>
    public TimeSpan SafetyMargin { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Graceful shutdown waits this long for the leader to hand the silo's partitions off before it stops anyway.</summary>
    public TimeSpan LeaveTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Start waits this long for the first partition map that gives the silo partitions (it starts anyway after it).</summary>
    public TimeSpan JoinTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Bounds every single API request the membership makes, so a hung request cannot outlive a renewal period.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(3);

    internal string LeaderLeaseName => $"{ClusterName}-leader";

    internal string MapName => $"{ClusterName}-partition-map";

    internal string SiloLeaseName(string siloName) => $"{ClusterName}-silo-{siloName}";

    /// <summary>Checks the options against each other and the names against Kubernetes' rules; the message names the option and the rule.</summary>
    public void Validate(string siloName)
    {
        if (string.IsNullOrEmpty(Namespace) || !DnsLabel().IsMatch(Namespace))
            throw new ArgumentException($"KubernetesMembershipOptions.Namespace '{Namespace}' must be a DNS-1123 label (lower-case alphanumerics and '-', at most 63 characters)");
        if (string.IsNullOrEmpty(ClusterName) || ClusterName.Length > 63 || !DnsLabel().IsMatch(ClusterName))
            throw new ArgumentException($"KubernetesMembershipOptions.ClusterName '{ClusterName}' must be a DNS-1123 label (it is also a label value)");
        var lease = SiloLeaseName(siloName);
        if (lease.Length > 253 || !DnsSubdomain().IsMatch(lease))
            throw new ArgumentException($"silo name '{siloName}' gives the Lease name '{lease}', which is not a DNS-1123 subdomain (lower-case alphanumerics, '-' and '.', at most 253 characters)");
        if (LeaseDuration <= TimeSpan.Zero || RenewInterval <= TimeSpan.Zero || RetryInterval <= TimeSpan.Zero || SafetyMargin < TimeSpan.Zero)
            throw new ArgumentException("KubernetesMembershipOptions: LeaseDuration, RenewInterval and RetryInterval must be positive and SafetyMargin not negative");
        if (RenewInterval >= LeaseDuration - SafetyMargin)
            throw new ArgumentException($"KubernetesMembershipOptions.RenewInterval ({RenewInterval}) must be shorter than LeaseDuration − SafetyMargin ({LeaseDuration - SafetyMargin}), or a healthy silo would fence itself between renewals");
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")]
    private static partial Regex DnsLabel();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex DnsSubdomain();
}
