namespace MultigresOrleans.Grains.Builders.Shards;

using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Naming;
using MultigresOrleans.Kubernetes.Models;

/// <summary>
/// The <c>&lt;shardCR&gt;-postgres-config</c> ConfigMap (spec §6.5.1, §6.11): the rendered postgresql.conf, mounted at
/// <c>/etc/pgctld/postgres-config</c> in every pool pod. Every shard gets one, even without user settings, so the pod
/// spec never depends on whether the user configured anything.
/// </summary>
public static class PostgresConfigMapBuilder
{
    /// <summary>The ConfigMap name <c>&lt;shardCR&gt;-postgres-config</c>.</summary>
    public static string Name(Shard shard) => ResourceNames.PostgresConfigConfigMapName(ShardObjectMetadata.ShardCrName(shard));

    /// <summary>The controller-owned ConfigMap, component <c>postgres-config</c>, key <c>postgresql.conf</c> = <see cref="PostgresConfigRender.Text"/>.</summary>
    public static ConfigMap Build(Shard shard, PostgresConfigRender render)
    {
        ArgumentNullException.ThrowIfNull(shard);
        ArgumentNullException.ThrowIfNull(render);
        return ShardObjectMetadata.ConfigMap(shard, Name(shard), Components.PostgresConfig, ResourceNames.PostgresConfigConfigMapKey, render.Text);
    }

    /// <summary>
    /// The Shard annotations pod building copies onto pods (§6.5 step 14): the restart-hash as
    /// <c>multigres.com/postgres-config-hash</c> and the reload-hash as <c>multigres.com/postgres-reload-hash</c>.
    /// </summary>
    public static Dictionary<string, string> HashAnnotations(PostgresConfigRender render)
    {
        ArgumentNullException.ThrowIfNull(render);
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [AnnotationKeys.PostgresConfigHash] = render.RestartHash,
            [AnnotationKeys.PostgresReloadHash] = render.ReloadHash,
        };
    }
}
