namespace MultigresOrleans.Grains.Builders.Statuses;

using MultigresOrleans.Kubernetes.Models;

/// <summary>
/// <c>meta.SetStatusCondition</c> / <c>meta.IsStatusConditionTrue</c> as pure functions over immutable lists (spec §11.6
/// "SetCondition preserves LastTransitionTime when status unchanged"). Keeping the old transition time is what lets a
/// status patch that only re-states the same facts be a no-op for the API server and for anyone alerting on flaps.
/// </summary>
public static class ConditionSet
{
    /// <summary>
    /// Returns <paramref name="existing"/> with <paramref name="desired"/> put in place of the condition of the same type
    /// (appended when absent). When the status did not change, the old <c>lastTransitionTime</c> is kept; reason, message
    /// and observedGeneration always take the new values. The order of the other conditions is preserved.
    /// </summary>
    public static List<Condition> Set(IEnumerable<Condition>? existing, Condition desired)
    {
        ArgumentNullException.ThrowIfNull(desired);
        var result = new List<Condition>();
        var replaced = false;
        foreach (var condition in existing ?? [])
        {
            if (condition.Type != desired.Type)
            {
                result.Add(condition);
                continue;
            }

            if (replaced)
                continue; // a list-map keyed by type holds one entry per type; drop duplicates rather than carry them forward
            result.Add(condition.Status == desired.Status ? desired with { LastTransitionTime = condition.LastTransitionTime } : desired);
            replaced = true;
        }

        if (!replaced)
            result.Add(desired);
        return result;
    }

    /// <summary>Applies <see cref="Set"/> for each of <paramref name="desired"/> in order.</summary>
    public static List<Condition> SetAll(IEnumerable<Condition>? existing, params Condition[] desired)
    {
        var result = existing?.ToList() ?? [];
        foreach (var condition in desired)
            result = Set(result, condition);
        return result;
    }

    /// <summary>The condition of <paramref name="type"/>, or null.</summary>
    public static Condition? Find(IEnumerable<Condition>? conditions, string type) =>
        conditions?.FirstOrDefault(c => c.Type == type);

    /// <summary>True only when a condition of <paramref name="type"/> exists with status True.</summary>
    public static bool IsTrue(IEnumerable<Condition>? conditions, string type) =>
        Find(conditions, type)?.Status == ConditionStatus.True;

    /// <summary>
    /// Whether two conditions state the same facts (type, status, reason, message, observedGeneration), ignoring the
    /// transition time. Used to skip writes that would change nothing (the StorageClass guard's "skipped if identical").
    /// </summary>
    public static bool SameFacts(Condition? a, Condition? b) =>
        a is not null && b is not null && a.Type == b.Type && a.Status == b.Status && a.Reason == b.Reason
        && a.Message == b.Message && a.ObservedGeneration == b.ObservedGeneration;

    /// <summary>A condition with the given facts, stamped with <paramref name="now"/> (kept by <see cref="Set"/> when unchanged).</summary>
    public static Condition Make(string type, bool status, string reason, string message, long? observedGeneration, DateTimeOffset now) => new()
    {
        Type = type,
        Status = status ? ConditionStatus.True : ConditionStatus.False,
        Reason = reason,
        Message = message,
        ObservedGeneration = observedGeneration,
        LastTransitionTime = now,
    };
}
