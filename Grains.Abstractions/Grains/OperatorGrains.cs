using System.Text.Json.Serialization;
using MultigresOrleans.Runtime;

namespace MultigresOrleans.Grains.Abstractions.Grains;

// The operator's grains, one per reconciled object. Keys are "<namespace>/<name>" of the object
// (see GrainKeys). Reconcile is level-based like a controller-runtime Reconcile: it reads the
// observed state, converges it, and says when it wants to run again; the silo's event dispatcher
// calls it for the grains it owns and coalesces repeated events into one pending call.

/// <summary>The MultigresCluster controller (spec §6.1, §7.2, §11.1).</summary>
public interface IClusterGrain : IGrainWithStringKey
{
    Task<ReconcileResult> Reconcile();
}

/// <summary>The Cell controller (spec §6.3, §11.4).</summary>
public interface ICellGrain : IGrainWithStringKey
{
    Task<ReconcileResult> Reconcile();
}

/// <summary>The TableGroup controller (spec §6.2, §11.3).</summary>
public interface ITableGroupGrain : IGrainWithStringKey
{
    Task<ReconcileResult> Reconcile();
}

/// <summary>The Shard controller (spec §6.5–6.8, §11.2).</summary>
public interface IShardGrain : IGrainWithStringKey
{
    Task<ReconcileResult> Reconcile();
}

/// <summary>The TopoServer controller (spec §6.4, §11.5).</summary>
public interface ITopoServerGrain : IGrainWithStringKey
{
    Task<ReconcileResult> Reconcile();
}

/// <summary>
/// One per template, keyed "<kind>/<namespace>/<name>" (see <see cref="GrainKeys.Template"/>): knows
/// which clusters use the template, for the deletion guard, and wakes them when it changes.
/// </summary>
public interface ITemplateGrain : IGrainWithStringKey
{
    /// <summary>The clusters in the template's namespace that use it, explicitly or as the implicit <c>default</c>, sorted.</summary>
    [ReadOnly]
    Task<IReadOnlyList<string>> Consumers();

    /// <summary>The template was created, changed or deleted: reconcile every consumer now.</summary>
    Task<int> Changed();
}

/// <summary>What a reconcile asks of its dispatcher: nothing, or another run after a delay.</summary>
public sealed record ReconcileResult(TimeSpan? RequeueAfter = null)
{
    public static readonly ReconcileResult Done = new();

    public static ReconcileResult After(TimeSpan delay) => new(delay);
}

/// <summary>Grain keys: the identity of the object a grain reconciles.</summary>
public static class GrainKeys
{
    public static string Of(string @namespace, string name) => @namespace + "/" + name;

    public static (string Namespace, string Name) Parse(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == key.Length - 1)
            throw new ArgumentException($"grain key '{key}' is not '<namespace>/<name>'", nameof(key));
        return (key[..slash], key[(slash + 1)..]);
    }

    public static string Template(string kind, string @namespace, string name) => kind + "/" + @namespace + "/" + name;

    public static (string Kind, string Namespace, string Name) ParseTemplate(string key)
    {
        var parts = key.Split('/');
        if (parts.Length != 3 || parts.Any(p => p.Length == 0))
            throw new ArgumentException($"template grain key '{key}' is not '<kind>/<namespace>/<name>'", nameof(key));
        return (parts[0], parts[1], parts[2]);
    }
}

/// <summary>Source-generated JSON for the values these grains return over the wire.</summary>
[JsonSerializable(typeof(ReconcileResult))]
[JsonSerializable(typeof(IReadOnlyList<string>))]
[JsonSerializable(typeof(int))]
public sealed partial class OperatorGrainsJsonContext : JsonSerializerContext;
