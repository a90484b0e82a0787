using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Resolution;

namespace MultigresOrleans.Grains.Validation;

/// <summary>
/// The template webhooks' decisions (spec §3.2) as pure functions of the template and the
/// namespace's clusters and stored templates. A template is shared, so besides what it can
/// guarantee on its own (content), a CellTemplate write is judged by what its consumers would
/// resolve to — cluster admission only dry-runs when the cluster itself is written, so an edit to a
/// referenced template would otherwise ship an invalid gateway config straight to the Deployments.
/// </summary>
public static partial class TemplateValidator
{
    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex DnsLabel();

    /// <summary>Pool-name rules of spec §3.2, without the shard prefix the cluster validator adds.</summary>
    public static string? PoolNameError(string pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        if (pool.Length is < 1 or > 25)
            return $"pool name '{pool}' must be between 1 and 25 characters";
        return DnsLabel().IsMatch(pool)
            ? null
            : $"pool name '{pool}' is invalid: must consist of lowercase alphanumeric characters or '-', and must start and end with an alphanumeric character";
    }

    /// <summary>
    /// ShardTemplate CREATE/UPDATE: pool names (sorted, for a deterministic first error; the reference
    /// walks a Go map), then the <c>postgresConfig</c> map. A metadata-only UPDATE is always allowed.
    /// </summary>
    public static string? ShardTemplateWrite(ShardTemplate template, ShardTemplate? old = null)
    {
        ArgumentNullException.ThrowIfNull(template);
        if (old is not null && SpecEquals(template, old, MultigresJsonContext.Default.ShardTemplate))
            return null;
        foreach (var pool in (template.Spec.Pools?.Keys ?? []).Order(StringComparer.Ordinal))
        {
            if (PoolNameError(pool) is { } poolError)
                return poolError;
        }
        return PostgresConfigRules.Check(template.Spec.PostgresConfig);
    }

    /// <summary>
    /// CellTemplate content alone: buffer rules in partial mode (the ordering rule only when the
    /// template sets both durations, as a consumer may supply the other) and limit ≥ request
    /// (resources merge as a whole block, so a self-inconsistent block is wrong for every consumer).
    /// </summary>
    public static string? CellTemplateContent(CellTemplate template)
    {
        ArgumentNullException.ThrowIfNull(template);
        if (template.Spec.Multigateway is not { } gateway)
            return null;
        var subject = $"CellTemplate '{template.Metadata.Name}'";
        return GatewayBufferRules.Check(subject, gateway.Buffer, partial: true)
            ?? ResourceSanityRule.Check($"{subject} multigateway", gateway.Resources);
    }

    /// <summary>
    /// CellTemplate CREATE/UPDATE (spec §3.2): metadata-only updates pass; then content; then every
    /// consumer. <paramref name="clusters"/> is null when listing failed with <paramref name="listError"/>;
    /// <paramref name="stored"/> is the namespace's templates as stored (the state before this write).
    /// </summary>
    public static string? CellTemplateWrite(
        CellTemplate template, CellTemplate? old, IReadOnlyList<MultigresCluster>? clusters, ITemplateSource stored, string? listError = null)
    {
        ArgumentNullException.ThrowIfNull(template);
        if (old is not null && SpecEquals(template, old, MultigresJsonContext.Default.CellTemplate))
            return null;
        return CellTemplateContent(template) ?? CellTemplateConsumers(template, clusters, stored, listError);
    }

    /// <summary>
    /// Every cell of every live cluster of the namespace (no label pre-filter: the tracking labels are
    /// stamped only at first reconcile, and consumers of the implicit <c>default</c> never carry them)
    /// whose effective CellTemplate is this one, resolved against the incoming content. Ratchet: a
    /// consumer that is equally invalid against the stored templates is not broken by this write, and
    /// a legacy broken cluster must not wedge shared template management, so it is passed over.
    /// </summary>
    public static string? CellTemplateConsumers(
        CellTemplate template, IReadOnlyList<MultigresCluster>? clusters, ITemplateSource stored, string? listError = null)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(stored);
        var name = template.Metadata.Name;
        if (string.IsNullOrEmpty(name))
            return null;
        if (clusters is null)
            return $"failed to list clusters for validation: {listError}";

        var incoming = new WithCellTemplate(stored, template);
        foreach (var cluster in clusters)
        {
            if (cluster.Metadata.DeletionTimestamp is not null)
                continue;
            if (MultigresClusterValidator.ResolvedGateways(cluster.Spec, incoming, name) is not { } problem)
                continue;
            if (MultigresClusterValidator.ResolvedGateways(cluster.Spec, stored, name) is not null)
                continue;
            return $"MultigresCluster '{cluster.Metadata.Name}' {problem}";
        }
        return null;
    }

    /// <summary>
    /// Template DELETE (spec §3.2): refused while a live cluster names the template explicitly; the
    /// fallback CellTemplate <c>default</c> also has implicit consumers, whose cells resolve against an
    /// empty template once it is gone, so its deletion is dry-run against that state.
    /// <paramref name="stored"/> is needed only for that dry-run.
    /// </summary>
    public static string? TemplateDelete(
        string kind, string name, IReadOnlyList<MultigresCluster>? clusters, ITemplateSource? stored, string? listError = null)
    {
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(name);
        if (clusters is null)
            return $"failed to list clusters for validation: {listError}";
        foreach (var cluster in clusters)
        {
            if (cluster.Metadata.DeletionTimestamp is not null)
                continue;
            if (References(cluster.Spec, kind).Contains(name, StringComparer.Ordinal))
                return $"cannot delete {kind} '{name}' because it is in use by MultigresCluster '{cluster.Metadata.Name}'";
        }

        if (kind != ApiConstants.CellTemplateKind || name != TemplateLookup.FallbackName || stored is null)
            return null;
        var empty = new CellTemplate { Metadata = new() { Name = name } };
        return CellTemplateConsumers(empty, clusters, stored) is { } error
            ? $"cannot delete CellTemplate '{name}': consumers would resolve an invalid config without it: {error}"
            : null;
    }

    /// <summary>Whether <see cref="TemplateDelete"/> needs the stored templates: only for the <c>default</c> CellTemplate dry-run.</summary>
    public static bool DeleteNeedsTemplates(string kind, string name) =>
        kind == ApiConstants.CellTemplateKind && name == TemplateLookup.FallbackName;

    private static IEnumerable<string?> References(MultigresClusterSpec spec, string kind) => kind switch
    {
        ApiConstants.CoreTemplateKind =>
            [spec.TemplateDefaults?.CoreTemplate, spec.Multiadmin?.TemplateRef, spec.GlobalTopoServer?.TemplateRef, spec.MultiadminWeb?.TemplateRef],
        ApiConstants.CellTemplateKind =>
            new[] { spec.TemplateDefaults?.CellTemplate }.Concat((spec.Cells ?? []).Select(c => c.CellTemplate)),
        _ => new[] { spec.TemplateDefaults?.ShardTemplate }.Concat(
            from database in spec.Databases ?? []
            from tableGroup in database.TableGroups ?? []
            from shard in tableGroup.Shards ?? []
            select shard.ShardTemplate),
    };

    // Specs compared as the API stores them (typed, nulls omitted), not as the request spelled them.
    private static bool SpecEquals<T>(T a, T b, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) =>
        JsonNode.DeepEquals(JsonSerializer.SerializeToNode(a, type)?["spec"], JsonSerializer.SerializeToNode(b, type)?["spec"]);

    /// <summary>The stored templates with one CellTemplate replaced by the content under review.</summary>
    private sealed class WithCellTemplate(ITemplateSource inner, CellTemplate template) : ITemplateSource
    {
        public CoreTemplate? Core(string name) => inner.Core(name);

        public CellTemplate? Cell(string name) => name == template.Metadata.Name ? template : inner.Cell(name);

        public ShardTemplate? Shard(string name) => inner.Shard(name);
    }
}
