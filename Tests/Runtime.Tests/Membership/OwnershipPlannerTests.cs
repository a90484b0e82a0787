using System.Collections.Immutable;
using MultigresOrleans.Runtime.Membership.Kubernetes;
using MultigresOrleans.Runtime.Placement;

namespace MultigresOrleans.Runtime.Tests.Membership;

/// <summary>The leader's pure decision: which partitions move, and only through the safe path.</summary>
public sealed class OwnershipPlannerTests
{
    private const int P = 64;

    [Fact]
    public void A_first_map_assigns_every_partition_directly()
    {
        var next = OwnershipPlanner.Next(OwnershipDocument.Empty(P), [Silo("a"), Silo("b")])!;

        Assert.Equal(1, next.Version);
        Assert.Empty(next.Handoffs);
        Assert.Equal(Rendezvous.Assign(P, ["a", "b"]), next.Owners.ToArray());
    }

    [Fact]
    public void A_joining_silo_gets_partitions_from_a_live_owner_only_after_its_acknowledgement()
    {
        var start = Map(1, Rendezvous.Assign(P, ["a"]));

        var asked = OwnershipPlanner.Next(start, [Silo("a"), Silo("b")])!;
        var moving = Enumerable.Range(0, P).Where(p => Rendezvous.Assign(P, ["a", "b"])[p] == "b").ToList();
        Assert.Equal(2, asked.Version);
        Assert.Equal(moving, asked.Handoffs.Select(h => h.Partition));
        Assert.All(asked.Handoffs, h => Assert.Equal(new Handoff(h.Partition, "b", 2), h));
        Assert.All(asked.Owners, o => Assert.Equal("a", o)); // nobody new serves yet

        Assert.Null(OwnershipPlanner.Next(asked, [Silo("a", drained: 1), Silo("b")])); // an older acknowledgement changes nothing

        var done = OwnershipPlanner.Next(asked, [Silo("a", drained: 2), Silo("b")])!;
        Assert.Equal(3, done.Version);
        Assert.Empty(done.Handoffs);
        Assert.Equal(Rendezvous.Assign(P, ["a", "b"]), done.Owners.ToArray());
    }

    [Fact]
    public void A_gone_owners_partitions_move_directly()
    {
        var start = Map(5, Rendezvous.Assign(P, ["a", "b"]));

        var next = OwnershipPlanner.Next(start, [Silo("a")])!;

        Assert.Empty(next.Handoffs);
        Assert.All(next.Owners, o => Assert.Equal("a", o));
    }

    [Fact]
    public void A_leaving_silo_hands_everything_off_and_gets_nothing_new()
    {
        var start = Map(3, Rendezvous.Assign(P, ["a", "b"]));

        var next = OwnershipPlanner.Next(start, [Silo("a", leaving: true), Silo("b")])!;

        Assert.Equal(start.Owners.Count(o => o == "a"), next.Handoffs.Length);
        Assert.All(next.Handoffs, h => Assert.Equal("b", h.To));
        Assert.Null(OwnershipPlanner.Next(start, [Silo("a", leaving: true), Silo("b", leaving: true)])); // nobody to take them: keep serving
    }

    [Fact]
    public void A_handoff_whose_reason_disappeared_is_cancelled_and_a_settled_map_does_not_change()
    {
        var start = Map(1, Rendezvous.Assign(P, ["a"]));
        var asked = OwnershipPlanner.Next(start, [Silo("a"), Silo("b")])!;

        var cancelled = OwnershipPlanner.Next(asked, [Silo("a")])!; // b left before a drained

        Assert.Empty(cancelled.Handoffs);
        Assert.All(cancelled.Owners, o => Assert.Equal("a", o));
        Assert.Null(OwnershipPlanner.Next(cancelled, [Silo("a")]));
    }

    [Fact]
    public void With_no_live_silo_the_map_is_kept()
    {
        var start = Map(4, Rendezvous.Assign(P, ["a"]));

        Assert.Null(OwnershipPlanner.Next(start, []));
        Assert.Null(OwnershipPlanner.Next(start, [Silo("a", leaving: true)]));
    }

    [Fact]
    public void Documents_round_trip_and_malformed_ones_are_refused()
    {
        var doc = new OwnershipDocument(7, [.. Rendezvous.Assign(P, ["a", "b"])], [new Handoff(3, "b", 7)]);

        var back = OwnershipDocument.TryParse(doc.ToJson(), P)!;

        Assert.Equal(doc.Version, back.Version);
        Assert.Equal(doc.Owners.ToArray(), back.Owners.ToArray());
        Assert.Equal(doc.Handoffs.ToArray(), back.Handoffs.ToArray());
        Assert.Null(OwnershipDocument.TryParse(doc.ToJson(), P + 1)); // wrong partition count
        Assert.Null(OwnershipDocument.TryParse("{not json", P));
        Assert.Null(OwnershipDocument.TryParse("""{"version":0,"owners":[]}""", P));
        Assert.Null(OwnershipDocument.TryParse(new OwnershipDocument(2, doc.Owners, [new Handoff(P, "b", 2)]).ToJson(), P));
    }

    private static SiloView Silo(string identity, long drained = 0, bool leaving = false) => new(identity, leaving, drained);

    private static OwnershipDocument Map(long version, string[] owners) => new(version, [.. owners], ImmutableArray<Handoff>.Empty);
}
