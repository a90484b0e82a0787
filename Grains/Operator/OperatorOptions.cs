using MultigresOrleans.Grains.Builders.Images;

namespace MultigresOrleans.Grains.Operator;

/// <summary>The operator process's configuration that grains read (spec §12.1–12.2 where they still apply).</summary>
public sealed record OperatorOptions
{
    /// <summary>The field manager of every server-side apply (spec §6: <c>multigres-operator</c>).</summary>
    public string FieldManager { get; init; } = "multigres-operator";

    /// <summary>This process, for events' reportingInstance.</summary>
    public string Instance { get; init; } = Environment.MachineName;

    /// <summary>
    /// Rewrites a topology server address before the operator dials it (never the address written into
    /// records or pod args). Production leaves it empty; the sandbox maps the managed etcd Service
    /// address, which only resolves inside a real cluster, to the sandbox's real etcd.
    /// </summary>
    public IReadOnlyDictionary<string, string> TopologyAddressOverrides { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>When set, every topology address not in <see cref="TopologyAddressOverrides"/> is dialled here instead (sandbox).</summary>
    public string? TopologyAddressFallback { get; init; }

    /// <summary>How long a new cluster may wait for its topology server before that is an error (spec §7.2: 2 minutes).</summary>
    public TimeSpan TopologyGracePeriod { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// How old a quarantined pod must be before it is replaced (spec §6.12's stale-record guard, 3 minutes in the
    /// reference). Environment <c>MULTIGRES_QUARANTINE_MIN_AGE</c> (seconds) shortens it for tests.
    /// </summary>
    public TimeSpan QuarantineMinimumAge { get; init; } = Shards.ShardDataPlaneDecisions.QuarantineMinimumAge;

    /// <summary>How long a pooler record must have had no pod before it is marked SHUTDOWN (contracts §8.13; the reference marks at once).</summary>
    public TimeSpan DeadPoolerGrace { get; init; } = Topology.TopologyRecords.DeadPoolerGrace;

    /// <summary>The default image set D (compiled defaults with MULTIGRES_IMAGE_* overrides) — spec §6.1.3.</summary>
    public DefaultImageSet DefaultImages { get; init; } = DefaultImageSet.Compiled;

    /// <summary><c>--image-update-strategy</c>: <c>immediate</c> or <c>lazy</c>.</summary>
    public string ImageUpdateStrategy { get; init; } = "immediate";
}
