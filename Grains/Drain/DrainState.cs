using System.Globalization;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;

namespace MultigresOrleans.Grains.Drain;

/// <summary>
/// The values of the <c>drain.multigres.com/state</c> pod annotation (spec §6.9). The order of the members is the order
/// of the protocol: a drain only ever moves forward, except that a <see cref="Requested"/> drain can be cancelled (the
/// annotations are removed) and a timed-out drain jumps straight to <see cref="ReadyForDeletion"/>.
/// </summary>
public enum DrainState
{
    /// <summary>Asked for, not yet committed; the only state that can still be cancelled as stale.</summary>
    Requested = 0,

    /// <summary>Committed: the operator has seen the pod's pooler and is waiting for it to give up the primary role.</summary>
    Draining = 1,

    /// <summary>The data plane acknowledged: the pod's pooler is not (or no longer) the shard's primary.</summary>
    Acknowledged = 2,

    /// <summary>Terminal: the pool reconcile may delete the pod.</summary>
    ReadyForDeletion = 3,
}

/// <summary>Conversions between <see cref="DrainState"/> and the annotation values (wire facts, spec §5.2).</summary>
public static class DrainStates
{
    public static string ToAnnotationValue(this DrainState state) => state switch
    {
        DrainState.Requested => AnnotationValues.DrainRequested,
        DrainState.Draining => AnnotationValues.DrainDraining,
        DrainState.Acknowledged => AnnotationValues.DrainAcknowledged,
        DrainState.ReadyForDeletion => AnnotationValues.DrainReadyForDeletion,
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, "not a drain state"),
    };

    /// <summary>
    /// Reads the annotation. Absent or empty means "no drain" (the reference treats "" like no annotation). An
    /// unrecognised value is read as <see cref="DrainState.Requested"/>: the reference would leave such a pod stuck
    /// (every state step ignores it, yet the pool counts it as a drain in progress and never starts another), whereas
    /// <c>requested</c> restarts the protocol under the timeout, can be cancelled as stale, and is overwritten with a
    /// valid value by the next transition.
    /// </summary>
    public static DrainState? Parse(string? annotationValue) => annotationValue switch
    {
        null or "" => null,
        AnnotationValues.DrainRequested => DrainState.Requested,
        AnnotationValues.DrainDraining => DrainState.Draining,
        AnnotationValues.DrainAcknowledged => DrainState.Acknowledged,
        AnnotationValues.DrainReadyForDeletion => DrainState.ReadyForDeletion,
        _ => DrainState.Requested,
    };

    /// <summary>Reads the state from a pod's annotations (null-safe).</summary>
    public static DrainState? FromAnnotations(IReadOnlyDictionary<string, string>? annotations) =>
        annotations is not null && annotations.TryGetValue(AnnotationKeys.DrainState, out var value) ? Parse(value) : null;
}

/// <summary>
/// The <c>drain.multigres.com/requested-at</c> value: RFC 3339 in UTC with whole seconds, the way Go formats
/// <c>time.Now().UTC().Format(time.RFC3339)</c>, so annotations written by either operator read the same.
/// </summary>
public static class DrainTimestamps
{
    private static readonly string[] Rfc3339Formats =
    [
        "yyyy-MM-dd'T'HH:mm:ss'Z'",
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'",
        "yyyy-MM-dd'T'HH:mm:sszzz",
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz",
    ];

    public static string Format(DateTimeOffset instant) =>
        instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>Parses what Go's <c>time.Parse(time.RFC3339, …)</c> accepts (offsets and fractional seconds included).</summary>
    public static bool TryParse(string? value, out DateTimeOffset instant)
    {
        instant = default;
        return !string.IsNullOrEmpty(value) && DateTimeOffset.TryParseExact(
            value, Rfc3339Formats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out instant);
    }
}
