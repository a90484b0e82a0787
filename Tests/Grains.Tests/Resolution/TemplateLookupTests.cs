using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Resolution;
using static MultigresOrleans.Grains.Tests.Resolution.ResolutionFixtures;

namespace MultigresOrleans.Grains.Tests.Resolution;

/// <summary>Template lookup rules of spec §2.3 and the resolver helpers of §13.2 (resolver_test.go).</summary>
public sealed class TemplateLookupTests
{
    private static readonly InMemoryTemplateSource Source = Templates(
        core: [Core("gold", new CoreTemplateSpec { Multiadmin = new StatelessSpec { Replicas = 7 } })],
        cell: [CellT("gold", new CellTemplateSpec { Multigateway = new MultigatewaySpec { Replicas = 7 } })],
        shard: [ShardT("gold", new ShardTemplateSpec { InitdbArgs = "--gold" })]);

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("default")]
    public void Missing_default_template_resolves_to_an_empty_one(string? name)
    {
        Assert.Equal(new CoreTemplateSpec(), TemplateLookup.Core(Source, name));
        Assert.Equal(new CellTemplateSpec(), TemplateLookup.Cell(Source, name));
        Assert.Equal(new ShardTemplateSpec(), TemplateLookup.Shard(Source, name));
    }

    [Fact]
    public void Existing_template_is_found_for_every_kind()
    {
        Assert.Equal(7, TemplateLookup.Core(Source, "gold").Multiadmin!.Replicas);
        Assert.Equal(7, TemplateLookup.Cell(Source, "gold").Multigateway!.Replicas);
        Assert.Equal("--gold", TemplateLookup.Shard(Source, "gold").InitdbArgs);
    }

    [Fact]
    public void Missing_named_template_is_an_error_with_the_reference_message()
    {
        var core = Assert.Throws<TemplateResolutionException>(() => TemplateLookup.Core(Source, "missing"));
        var cell = Assert.Throws<TemplateResolutionException>(() => TemplateLookup.Cell(Source, "missing"));
        var shard = Assert.Throws<TemplateResolutionException>(() => TemplateLookup.Shard(Source, "missing"));

        Assert.StartsWith("referenced CoreTemplate 'missing' not found: ", core.Message, StringComparison.Ordinal);
        Assert.StartsWith("referenced CellTemplate 'missing' not found: ", cell.Message, StringComparison.Ordinal);
        Assert.Equal("referenced ShardTemplate 'missing' not found: shardtemplates.multigres.com \"missing\" not found", shard.Message);
    }

    [Fact]
    public void A_failed_lookup_is_wrapped_as_failed_to_get()
    {
        var e = Assert.Throws<TemplateResolutionException>(() => TemplateLookup.Cell(new FailingSource(), "gold"));

        Assert.Equal("failed to get CellTemplate: connection refused", e.Message);
    }

    [Fact]
    public void Exists_is_true_only_for_a_found_template_and_false_on_lookup_failure()
    {
        Assert.True(TemplateLookup.Exists(Source.Core, "gold"));
        Assert.True(TemplateLookup.Exists(Source.Cell, "gold"));
        Assert.True(TemplateLookup.Exists(Source.Shard, "gold"));
        Assert.False(TemplateLookup.Exists(Source.Shard, "default"));
        Assert.False(TemplateLookup.Exists(new FailingSource().Core, "gold"));
    }

    [Theory]
    [InlineData("own", "cluster", "own")]
    [InlineData(null, "cluster", "cluster")]
    [InlineData("", "", "default")]
    [InlineData(null, null, "default")]
    public void Effective_name_is_item_then_cluster_default_then_fallback(string? item, string? cluster, string expected)
    {
        Assert.Equal(expected, TemplateLookup.EffectiveName(item, cluster));
    }

    [Fact]
    public void Caching_source_serves_a_found_template_from_cache_and_never_caches_a_miss()
    {
        var counting = new CountingSource(Source);
        var cache = new CachingTemplateSource(counting);

        Assert.NotNull(cache.Core("gold"));
        Assert.NotNull(cache.Core("gold"));
        Assert.Null(cache.Core("default"));
        Assert.Null(cache.Core("default"));

        Assert.Equal(1, counting.Lookups["gold"]);
        Assert.Equal(2, counting.Lookups["default"]);
    }

    private sealed class FailingSource : ITemplateSource
    {
        public CoreTemplate? Core(string name) => throw new TemplateSourceException("connection refused");

        public CellTemplate? Cell(string name) => throw new TemplateSourceException("connection refused");

        public ShardTemplate? Shard(string name) => throw new TemplateSourceException("connection refused");
    }

    private sealed class CountingSource(ITemplateSource inner) : ITemplateSource
    {
        public Dictionary<string, int> Lookups { get; } = new(StringComparer.Ordinal);

        public CoreTemplate? Core(string name)
        {
            Lookups[name] = Lookups.GetValueOrDefault(name) + 1;
            return inner.Core(name);
        }

        public CellTemplate? Cell(string name) => inner.Cell(name);

        public ShardTemplate? Shard(string name) => inner.Shard(name);
    }
}
