using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;

namespace MultigresOrleans.Grains.Resolution;

/// <summary>
/// Level 3 of the precedence chain (spec §2.3): which template a component uses, and how a missing one
/// is treated. The name <c>default</c> (implicit, or written explicitly) that does not exist yields an
/// empty template; any other missing name is an error.
/// </summary>
public static class TemplateLookup
{
    /// <summary>The implicit fallback name of every template kind.</summary>
    public const string FallbackName = "default";

    /// <summary>
    /// The first non-empty name of an item's own reference and the cluster's <c>templateDefaults</c>, else
    /// <see cref="FallbackName"/>. One rule for every kind, shared by the reconcilers, the topology step and
    /// the webhook dry-run (spec §2.3), so they can never disagree about which template is consumed.
    /// </summary>
    public static string EffectiveName(string? itemReference, string? clusterDefault) =>
        !string.IsNullOrEmpty(itemReference) ? itemReference
        : !string.IsNullOrEmpty(clusterDefault) ? clusterDefault
        : FallbackName;

    public static CoreTemplateSpec Core(ITemplateSource source, string? name)
    {
        ArgumentNullException.ThrowIfNull(source);
        return Resolve(source.Core, name, ApiConstants.CoreTemplateKind, "coretemplates")?.Spec ?? new CoreTemplateSpec();
    }

    public static CellTemplateSpec Cell(ITemplateSource source, string? name)
    {
        ArgumentNullException.ThrowIfNull(source);
        return Resolve(source.Cell, name, ApiConstants.CellTemplateKind, "celltemplates")?.Spec ?? new CellTemplateSpec();
    }

    public static ShardTemplateSpec Shard(ITemplateSource source, string? name)
    {
        ArgumentNullException.ThrowIfNull(source);
        return Resolve(source.Shard, name, ApiConstants.ShardTemplateKind, "shardtemplates")?.Spec ?? new ShardTemplateSpec();
    }

    /// <summary>
    /// Whether a template exists. Used by the promotion of implicit defaults, which (like the reference)
    /// treats a failed lookup as "does not exist" rather than failing admission.
    /// </summary>
    public static bool Exists<T>(Func<string, T?> lookup, string name)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(lookup);
        try
        {
            return lookup(name) is not null;
        }
        catch (TemplateSourceException)
        {
            return false;
        }
    }

    private static T? Resolve<T>(Func<string, T?> lookup, string? name, string kind, string resource)
        where T : class
    {
        var resolved = string.IsNullOrEmpty(name) ? FallbackName : name;
        T? found;
        try
        {
            found = lookup(resolved);
        }
        catch (TemplateSourceException e)
        {
            throw new TemplateResolutionException($"failed to get {kind}: {e.Message}", e);
        }
        if (found is null && resolved != FallbackName)
        {
            // The reference wraps the API server's NotFound error, whose text is `<resource>.<group> "<name>" not found`.
            throw new TemplateResolutionException(
                $"referenced {kind} '{resolved}' not found: {resource}.{ApiConstants.Group} \"{resolved}\" not found");
        }
        return found;
    }
}
