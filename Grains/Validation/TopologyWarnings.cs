using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;

namespace MultigresOrleans.Grains.Validation;

/// <summary>
/// Warnings that do not stop a cluster but predict trouble (spec §3.1 steps 0 and 0b): cells
/// pinned to a zone or region no node is in (their pods would stay Pending), and a single etcd
/// replica (no fault tolerance, and the count cannot change later).
/// </summary>
public static class TopologyWarnings
{
    public const string ZoneIdNodeLabel = "topology.k8s.aws/zone-id";
    public const string RegionNodeLabel = "topology.kubernetes.io/region";

    /// <summary>One warning per cell whose zoneId (else region) matches no node; none when nodes could not be listed.</summary>
    public static IReadOnlyList<string> UnmatchedCells(MultigresClusterSpec spec, IReadOnlyList<IReadOnlyDictionary<string, string>>? nodeLabels)
    {
        if (nodeLabels is null)
            return [];
        var warnings = new List<string>();
        foreach (var cell in spec.Cells ?? [])
        {
            var (label, value) = cell.ZoneId is { Length: > 0 } zone ? (ZoneIdNodeLabel, zone)
                : cell.Region is { Length: > 0 } region ? (RegionNodeLabel, region)
                : (null, null);
            if (label is null || nodeLabels.Any(n => n.TryGetValue(label, out var v) && v == value))
                continue;
            warnings.Add($"cell '{cell.Name}': no nodes currently match {label}={value}; pods will be Pending until matching nodes are available");
        }
        return warnings;
    }

    /// <summary>
    /// The etcd replica count the webhook reasons about: 0 for an external topology server, else the
    /// inline value or 3. Template values are deliberately not consulted, as in the reference.
    /// </summary>
    public static int EffectiveInlineEtcdReplicas(MultigresClusterSpec spec) =>
        spec.GlobalTopoServer?.External is not null ? 0 : spec.GlobalTopoServer?.Etcd?.Replicas ?? 3;

    public static IReadOnlyList<string> SingleEtcdReplica(MultigresClusterSpec spec) =>
        EffectiveInlineEtcdReplicas(spec) == 1
            ? ["etcd has 1 replica \u2014 no fault tolerance. 3 replicas is recommended for production (tolerates 1 failure). Note: topology server replicas cannot be changed after cluster creation"]
            : [];
}
