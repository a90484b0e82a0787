namespace MultigresOrleans.KubeSim.DataPlane;

/// <summary>
/// One pooler of a shard as the fake multiorch sees it. <see cref="Eligible"/>: ACTIVE, not
/// quarantined, its pod alive, its record present and not tombstoned by anyone. <see cref="CanPublish"/>:
/// the process runs and would publish a demotion.
/// </summary>
public sealed record ElectionMember(string PodKey, bool Eligible, bool Primary, bool CanPublish, long Term = 0);

/// <summary>What to do: promote one pooler at a new term (or none), and demote these.</summary>
public sealed record ElectionOutcome(string? Promote, long Term, IReadOnlyList<string> Demote)
{
    public bool IsNoOp => Promote is null && Demote.Count == 0;
}

/// <summary>
/// The fake multiorch's leader choice (dataplane-contracts §7.4) as a pure function: keep an
/// eligible primary if there is one (the highest term, as gateways rank overlapping primaries);
/// otherwise promote the eligible pooler with the lowest
/// "namespace/pod" name at term + 1 (deterministic, so tests know who wins). Any other pooler still
/// claiming PRIMARY and able to hear it is demoted, so at most one live record says PRIMARY.
/// </summary>
public static class PrimaryElection
{
    public static ElectionOutcome Decide(IReadOnlyList<ElectionMember> members, long currentTerm)
    {
        ArgumentNullException.ThrowIfNull(members);
        var sorted = members.OrderBy(m => m.PodKey, StringComparer.Ordinal).ToList();
        var keep = sorted.Where(m => m.Eligible && m.Primary).OrderByDescending(m => m.Term).FirstOrDefault();
        if (keep is not null)
            return new ElectionOutcome(null, currentTerm, Demotions(sorted, keep.PodKey));
        var chosen = sorted.FirstOrDefault(m => m.Eligible);
        if (chosen is null)
            return new ElectionOutcome(null, currentTerm, []);
        return new ElectionOutcome(chosen.PodKey, currentTerm + 1, Demotions(sorted, chosen.PodKey));
    }

    private static List<string> Demotions(List<ElectionMember> sorted, string leader) =>
        [.. sorted.Where(m => m.Primary && m.CanPublish && m.PodKey != leader).Select(m => m.PodKey)];
}
