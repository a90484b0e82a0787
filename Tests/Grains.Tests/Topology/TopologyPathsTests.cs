using FsCheck;
using FsCheck.Fluent;
using MultigresOrleans.Grains.Topology;
using MultigresOrleans.Grains.Topology.ClusterMetadata;

namespace MultigresOrleans.Grains.Tests.Topology;

public sealed class TopologyPathsTests
{
    [Theory]
    [InlineData("", ".")]
    [InlineData("/", "/")]
    [InlineData("a//b", "a/b")]
    [InlineData("/a/b/", "/a/b")]
    [InlineData("/a/./b/../c", "/a/c")]
    [InlineData("../a", "../a")]
    [InlineData("/../a", "/a")]
    [InlineData("a/..", ".")]
    [InlineData("a/../..", "..")]
    [InlineData("//multigres//global/", "/multigres/global")]
    public void Clean_matches_go_path_clean(string input, string expected) =>
        Assert.Equal(expected, TopologyPaths.Clean(input));

    [Fact]
    public void Clean_is_idempotent_and_leaves_no_empty_segment() =>
        Prop.ForAll(Gen.Elements("a", "b", "", ".", "..", "/", "//").ArrayOf().Select(parts => string.Concat(parts)).ToArbitrary(), path =>
        {
            var clean = TopologyPaths.Clean(path);
            return TopologyPaths.Clean(clean) == clean
                && !clean.Contains("//", StringComparison.Ordinal)
                && (clean == "/" || !clean.EndsWith('/'));
        }).QuickCheckThrowOnFailure();

    [Theory]
    [InlineData("/multigres/global", "/multigres/global/cells/zone1/Cell")]
    [InlineData("/multigres/global/", "/multigres/global/cells/zone1/Cell")]
    [InlineData("", "cells/zone1/Cell")]
    [InlineData("/", "/cells/zone1/Cell")]
    public void Cell_key_is_path_join_of_root_and_relative_path(string root, string expected) =>
        Assert.Equal(expected, TopologyPaths.CellKey(root, "zone1"));

    [Fact]
    public void Global_keys_follow_the_layout_of_contracts_2_2()
    {
        Assert.Equal("/multigres/global/databases/postgres/Database", TopologyPaths.DatabaseKey(TopologyPaths.DefaultGlobalRoot, "postgres"));
        Assert.Equal("/multigres/global/cells/", TopologyPaths.CellsPrefix(TopologyPaths.DefaultGlobalRoot));
        Assert.Equal("/multigres/global/databases/", TopologyPaths.DatabasesPrefix("/multigres/global/"));
    }

    [Fact]
    public void Pooler_key_uses_the_component_id_string()
    {
        var id = new ID { Component = ID.Types.ComponentType.Multipooler, Cell = "zone1", Name = "p-1a2b3c4d" };
        Assert.Equal("multipooler-zone1-p-1a2b3c4d", TopologyPaths.ComponentIdString(id));
        Assert.Equal("/multigres/global/poolers/multipooler-zone1-p-1a2b3c4d/Pooler", TopologyPaths.PoolerKey("/multigres/global", id));
        Assert.Equal("/multigres/zone1/poolers/", TopologyPaths.PoolersPrefix("/multigres/zone1"));
    }

    [Theory]
    [InlineData(ID.Types.ComponentType.Unknown, "unknown-c-n")]
    [InlineData(ID.Types.ComponentType.Multigateway, "multigateway-c-n")]
    [InlineData(ID.Types.ComponentType.Multiorch, "multiorch-c-n")]
    public void Component_names_are_lowercased_type_names(ID.Types.ComponentType type, string expected) =>
        Assert.Equal(expected, TopologyPaths.ComponentIdString(new ID { Component = type, Cell = "c", Name = "n" }));

    [Fact]
    public void First_segments_are_deduplicated_directory_names()
    {
        const string prefix = "/r/databases/";
        string[] keys = ["/r/databases/a/Database", "/r/databases/a/tg/0/ShardInitClaim", "/r/databases/b/tg/0/ShardInitClaim", "/r/databases/c/Database"];
        Assert.Equal(["a", "b", "c"], TopologyPaths.FirstSegments(prefix, keys));
    }
}
