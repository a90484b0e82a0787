using System.Collections.Immutable;
using FsCheck;
using FsCheck.Fluent;
using MultigresOrleans.Runtime.Placement;

namespace MultigresOrleans.Runtime.Tests;

public sealed class PlacementTests
{
    private const int P = PartitionHash.DefaultPartitionCount;

    private static readonly Config Checks = Config.QuickThrowOnFailure.WithMaxTest(200);

    /// <summary>2 to 12 distinct, non-empty silo names.</summary>
    private static Arbitrary<string[]> SiloSets() =>
        Gen.Choose(2, 12)
            .SelectMany(n => Gen.ListOf(Gen.Elements("abcdefghijklmnopqrstuvwxyz0123456789-".ToCharArray()).NonEmptyListOf().Select(cs => "silo-" + new string([.. cs])), n))
            .Select(names => names.Distinct(StringComparer.Ordinal).ToArray())
            .Where(names => names.Length >= 2)
            .ToArbitrary();

    [Fact]
    public void Hash_is_fnv1a64_with_a_splitmix_finaliser_and_stable_across_processes()
    {
        // FNV-1a 64 of "" is the offset basis; of "a" is the published test vector 0xaf63dc4c8601ec8c.
        Assert.Equal(PartitionHash.Mix(14695981039346656037UL), PartitionHash.Hash64(""));
        Assert.Equal(PartitionHash.Mix(0xaf63dc4c8601ec8cUL), PartitionHash.Hash64("a"));
        Assert.Equal(PartitionHash.Mix(0x85944171f73967e8UL), PartitionHash.Hash64("foobar"));
        // Pinned partitions: if these change, every deployed cluster's placement would change.
        Assert.Equal(PartitionHash.PartitionOf("shard/default/postgres-0-inf"), PartitionHash.PartitionOf(new GrainId("shard", "default/postgres-0-inf")));
        Assert.InRange(PartitionHash.PartitionOf("x"), 0, P - 1);
    }

    [Fact]
    public void Partitions_are_in_range_and_spread_over_keys()
    {
        Prop.ForAll<string, PositiveInt>((key, count) =>
        {
            var n = (count.Get % 500) + 1;
            var p = PartitionHash.PartitionOf(key ?? string.Empty, n);
            return p >= 0 && p < n && p == PartitionHash.PartitionOf(key ?? string.Empty, n);
        }).Check(Checks);

        var counts = new int[P];
        for (var i = 0; i < 64_000; i++)
            counts[PartitionHash.PartitionOf($"pod/ns/pool-{i}")]++;
        // 1,000 expected per partition; ±20 % is more than 6 standard deviations.
        Assert.All(counts, c => Assert.InRange(c, 800, 1200));
    }

    [Fact]
    public void Rendezvous_is_deterministic_and_independent_of_silo_order()
    {
        Prop.ForAll(SiloSets(), silos =>
        {
            var shuffled = silos.Reverse().ToArray();
            return Rendezvous.Assign(P, silos).SequenceEqual(Rendezvous.Assign(P, shuffled))
                && Rendezvous.Assign(P, silos).All(o => silos.Contains(o));
        }).Check(Checks);
    }

    [Fact]
    public void Rendezvous_balances_each_silo_within_six_standard_deviations()
    {
        Prop.ForAll(SiloSets(), silos =>
        {
            var n = silos.Length;
            var mean = (double)P / n;
            var bound = 6 * Math.Sqrt(P * (1.0 / n) * (1 - (1.0 / n)));
            var loads = Rendezvous.Assign(P, silos).GroupBy(o => o).ToDictionary(g => g.Key, g => g.Count());
            return silos.All(s => Math.Abs(loads.GetValueOrDefault(s) - mean) <= bound)
                .Label($"loads {string.Join(",", loads.Values)} mean {mean:F1} bound {bound:F1}");
        }).Check(Checks);

        // And for the silo names a Deployment actually produces: no silo above twice its fair share.
        for (var n = 2; n <= 8; n++)
        {
            var silos = Enumerable.Range(0, n).Select(i => $"multigres-operator-{i}").ToArray();
            var max = Rendezvous.Assign(P, silos).GroupBy(o => o).Max(g => g.Count());
            Assert.True(max <= 2 * Math.Ceiling((double)P / n), $"{n} silos: max load {max}");
        }
    }

    [Fact]
    public void When_a_silo_joins_only_partitions_won_by_the_new_silo_move()
    {
        Prop.ForAll(SiloSets(), silos =>
        {
            var before = Rendezvous.Assign(P, silos[1..]);
            var after = Rendezvous.Assign(P, silos);
            return Enumerable.Range(0, P).All(p => before[p] == after[p] || after[p] == silos[0]);
        }).Check(Checks);
    }

    [Fact]
    public void When_a_silo_leaves_only_its_partitions_move()
    {
        Prop.ForAll(SiloSets(), silos =>
        {
            var before = Rendezvous.Assign(P, silos);
            var after = Rendezvous.Assign(P, silos[1..]);
            return Enumerable.Range(0, P).All(p => before[p] == after[p] || before[p] == silos[0])
                && !after.Contains(silos[0]);
        }).Check(Checks);
    }

    [Fact]
    public void Partition_map_is_a_versioned_value()
    {
        var one = PartitionMap.Create(["a", "b"]);
        Assert.Equal(1, one.Version);
        Assert.Equal(P, one.PartitionCount);
        Assert.Equal(PartitionMap.Create(["b", "a"]), one);
        Assert.Equal(one.GetHashCode(), PartitionMap.Create(["b", "a"]).GetHashCode());

        var two = one.Reassign(["a", "b", "c"]);
        Assert.Equal(2, two.Version);
        Assert.NotEqual(one, two);
        Assert.Equal(["a", "b", "c"], two.Silos);
        Assert.All(one.Moved(two), p => Assert.Equal("c", two.OwnerOf(p)));
        Assert.Equal(two.PartitionsOf("c").Order(), one.Moved(two).Order());
        Assert.Equal(one, new PartitionMap(1, [.. one.Owners]));
        Assert.NotEqual(one, new PartitionMap(2, [.. one.Owners]));
        Assert.Throws<ArgumentException>(() => new PartitionMap(1, ImmutableArray<string>.Empty));

        var id = new GrainId("shard", "ns/s1");
        Assert.Equal(two.OwnerOf(PartitionHash.PartitionOf(id)), two.OwnerOf(id));
    }
}
