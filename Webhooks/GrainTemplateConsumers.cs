using Microsoft.Extensions.Logging;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Abstractions.Grains;
using MultigresOrleans.Grains.Resolution;
using MultigresOrleans.Grains.Validation;
using MultigresOrleans.Runtime;

namespace MultigresOrleans.Webhooks;

/// <summary>Who uses a template, as the template grain knows it (spec §3.2 deletion guard).</summary>
public interface ITemplateConsumers
{
    /// <summary>
    /// The clusters in <paramref name="namespace"/> using the <paramref name="kind"/> template
    /// <paramref name="name"/>, sorted. Throws <see cref="TemplateConsumersUnavailableException"/> when the
    /// answer cannot be had in time.
    /// </summary>
    Task<IReadOnlyList<string>> ConsumersAsync(string kind, string @namespace, string name, CancellationToken cancellationToken);
}

/// <summary>The template grains could not be asked (no silo, timeout, call failure); the message says why.</summary>
public sealed class TemplateConsumersUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// <see cref="IAdmissionDataSource"/> over another source, plus <see cref="ITemplateConsumers"/> answered by
/// <see cref="ITemplateGrain.Consumers"/> through the grain runtime's client. Everything else (templates,
/// nodes, StorageClasses, cluster specs) still comes from <paramref name="inner"/>. A call is bounded by
/// <paramref name="timeout"/> on the injected clock, independently of the client's own call timeout, so
/// the deletion guard always answers well inside the webhook's request timeout.
/// </summary>
public sealed class GrainAdmissionDataSource(IAdmissionDataSource inner, IGrainFactory grains, TimeSpan timeout, TimeProvider time, ILogger logger)
    : IAdmissionDataSource, ITemplateConsumers
{
    /// <summary>Default bound of one grain call: far below the 8 s request timeout, far above a normal call (about a millisecond).</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(2);

    public TimeSpan Timeout => timeout;

    public async Task<IReadOnlyList<string>> ConsumersAsync(string kind, string @namespace, string name, CancellationToken cancellationToken)
    {
        var key = GrainKeys.Template(kind, @namespace, name);
        try
        {
            return await grains.GetGrain<ITemplateGrain>(key).Consumers().WaitAsync(timeout, time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException e)
        {
            Log.ConsumersFailed(logger, key, e.Message);
            throw new TemplateConsumersUnavailableException($"the template grain did not answer within {timeout.TotalSeconds:0.#} s", e);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.ConsumersFailed(logger, key, $"{e.GetType().Name}: {e.Message}");
            throw new TemplateConsumersUnavailableException($"the template grain call failed: {e.Message}", e);
        }
    }

    public Task<ITemplateSource> TemplatesAsync(string @namespace, CancellationToken cancellationToken) => inner.TemplatesAsync(@namespace, cancellationToken);

    public Task<IReadOnlyList<IReadOnlyDictionary<string, string>>?> NodeLabelsAsync(CancellationToken cancellationToken) => inner.NodeLabelsAsync(cancellationToken);

    public Task<IReadOnlyList<StorageClassInfo>> StorageClassesAsync(CancellationToken cancellationToken) => inner.StorageClassesAsync(cancellationToken);

    public Task<IReadOnlyList<MultigresCluster>> ClustersAsync(string @namespace, CancellationToken cancellationToken) => inner.ClustersAsync(@namespace, cancellationToken);
}

/// <summary>
/// The deletion guard's decision from the template grain's answer (pure). The grain counts a cluster as
/// a consumer when it names the template anywhere, and — for a template named <c>default</c> — also when
/// it falls back to it implicitly. Spec §3.2 refuses a DELETE only for explicit references (and dry-runs
/// the implicit consumers of the <c>default</c> CellTemplate), which needs the clusters' specs; so the
/// grain decides alone for every other name, where its consumers are exactly the explicit users, and a
/// template named <c>default</c> keeps the listing path (<see cref="UsesGrain"/>).
/// </summary>
public static class TemplateDeleteRules
{
    public static bool UsesGrain(string name) => name != TemplateLookup.FallbackName;

    /// <summary>Null: allowed; otherwise the spec's message naming the first consumer.</summary>
    public static string? FromConsumers(string kind, string name, IReadOnlyList<string> consumers)
    {
        ArgumentNullException.ThrowIfNull(consumers);
        return consumers.Count == 0 ? null : $"cannot delete {kind} '{name}' because it is in use by MultigresCluster '{consumers.Min(StringComparer.Ordinal)}'";
    }

    /// <summary>Fail closed: a guard that cannot check must not allow the deletion.</summary>
    public static string Unavailable(string kind, string name, string reason) =>
        $"cannot verify that {kind} '{name}' is unused, so the deletion is refused: {reason}; retry when the operator is running";
}
