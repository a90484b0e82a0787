namespace MultigresOrleans.Grains.Builders.PoolPods;

using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;

/// <summary>
/// The images a pool pod runs. They come from <c>shard.spec.images</c>, which the TableGroup copied from the resolved
/// cluster images (spec §6.1.3); an empty value means "the compiled default" (§6.6.1). The record exists so the caller
/// decides resolution once and the builder stays a function of its arguments.
/// </summary>
public sealed record PoolImages(string Postgres, string Multipooler, string PostgresExporter)
{
    /// <summary>The shard's images with empty entries replaced by the compiled defaults.</summary>
    public static PoolImages FromShard(ShardSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return new PoolImages(
            string.IsNullOrEmpty(spec.Images.Postgres) ? DefaultImages.Postgres : spec.Images.Postgres,
            string.IsNullOrEmpty(spec.Images.Multipooler) ? DefaultImages.Multipooler : spec.Images.Multipooler,
            DefaultImages.PostgresExporter);
    }
}

/// <summary>
/// What a pool pod depends on besides the Shard and its pool: values computed elsewhere in the Shard reconcile. Passing
/// them in (instead of reading the process environment or the in-memory Shard annotations) keeps
/// <see cref="PoolPodBuilder.BuildPoolPod"/> pure, so a test can pin exactly what the reconcile "saw".
/// </summary>
public sealed record PoolPodInputs
{
    /// <summary>The operator's own OTEL_* variables, inherited where the Shard's observability settings are empty (§10.4).</summary>
    public required OperatorEnvironment OperatorEnvironment { get; init; }

    /// <summary>
    /// The restart-hash of the rendered postgresql.conf (§6.11). Copied to <c>multigres.com/postgres-config-hash</c> and
    /// folded into the spec-hash, so a restart-only setting rolls the pool.
    /// </summary>
    public string? PostgresConfigHash { get; init; }

    /// <summary>
    /// The reload-hash (§6.11). Stamped on the pod at creation but deliberately kept out of the spec-hash: reload-safe
    /// settings are applied in place, never by a rollout.
    /// </summary>
    public string? PostgresReloadHash { get; init; }

    /// <summary>The images to run; null means <see cref="PoolImages.FromShard"/> of the Shard being built.</summary>
    public PoolImages? Images { get; init; }
}

/// <summary>A pool pod that cannot be built from its spec; the message is the reference's text, and it fails the pool reconcile.</summary>
public sealed class PoolPodBuildException(string message) : Exception(message);
