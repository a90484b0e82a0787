using System.Collections.Immutable;
using MultigresOrleans.Runtime.Placement;

namespace MultigresOrleans.Runtime.Membership.Kubernetes;

/// <summary>What the leader knows about one silo incarnation (from its Lease).</summary>
/// <param name="Identity">The Lease's holder identity: silo name plus incarnation.</param>
/// <param name="Leaving">The silo asked to be drained (graceful shutdown): it gets no partitions.</param>
/// <param name="DrainedVersion">The newest map version whose handoffs the silo has drained.</param>
internal sealed record SiloView(string Identity, bool Leaving, long DrainedVersion);

/// <summary>
/// The leader's decision, as a pure function: given the stored document and the silos that are
/// not gone, the next document (or null when nothing changes).
/// <para>
/// Safety rule: a partition leaves a <em>present</em> silo only through a handoff the silo
/// acknowledged (it drained the partition and published <c>DrainedVersion ≥ Since</c>); it leaves
/// a <em>gone</em> silo (Lease deleted by the silo after it stopped, holder replaced, or expired and
/// confirmed by a fresh read) directly. So no two silos ever both believe they may serve a
/// partition, whatever the leader's view of liveness is, as long as "gone" is judged safely.
/// </para>
/// </summary>
internal static class OwnershipPlanner
{
    public static OwnershipDocument? Next(OwnershipDocument current, IReadOnlyCollection<SiloView> present)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(present);
        var byIdentity = present.ToDictionary(s => s.Identity, StringComparer.Ordinal);
        var live = present.Where(s => !s.Leaving).Select(s => s.Identity).ToArray();
        if (live.Length == 0)
            return null; // Nobody to give partitions to: keep the map; calls wait for a silo to join.

        var desired = Rendezvous.Assign(current.PartitionCount, live);
        var nextVersion = current.Version + 1;
        var owners = current.Owners.ToBuilder();
        var handoffs = ImmutableArray.CreateBuilder<Handoff>();
        var existing = current.Handoffs.ToDictionary(h => h.Partition);
        for (var p = 0; p < current.PartitionCount; p++)
        {
            var owner = current.Owners[p];
            var target = desired[p];
            if (string.Equals(owner, target, StringComparison.Ordinal))
                continue; // Settled (a pending handoff to elsewhere is cancelled: the owner may serve again).
            if (!byIdentity.TryGetValue(owner, out var ownerView))
            {
                owners[p] = target; // Unassigned, or its owner is gone: nothing to drain.
                continue;
            }

            if (existing.TryGetValue(p, out var handoff))
            {
                if (ownerView.DrainedVersion >= handoff.Since)
                    owners[p] = target; // Drained and acknowledged: the new owner may start.
                else
                    handoffs.Add(handoff with { To = target });
            }
            else
            {
                handoffs.Add(new Handoff(p, target, nextVersion));
            }
        }

        var next = new OwnershipDocument(nextVersion, owners.ToImmutable(), handoffs.ToImmutable());
        var unchanged = next.Owners.AsSpan().SequenceEqual(current.Owners.AsSpan()) && next.Handoffs.SequenceEqual(current.Handoffs);
        return unchanged ? null : next;
    }
}
