using MultigresOrleans.Grains.PostgresConfig;

namespace MultigresOrleans.Grains.Tests.PostgresConfig;

/// <summary>The embedded PostgreSQL 17 catalog (spec §6.11): complete, and right about well-known settings.</summary>
public sealed class PostgresSettingsCatalogTests
{
    [Fact]
    public void It_holds_the_389_built_in_settings_of_postgresql_17()
    {
        Assert.Equal(389, PostgresSettingsCatalog.Count);
        Assert.Equal(389, PostgresSettingsCatalog.All.Count);
        Assert.Equal(PostgresSettingsCatalog.All.Select(s => s.Name).Order(StringComparer.Ordinal), PostgresSettingsCatalog.All.Select(s => s.Name));
        Assert.All(PostgresSettingsCatalog.All, s => Assert.Equal(s.Name.ToLowerInvariant(), s.Name));
    }

    [Theory]
    [InlineData("shared_buffers", PostgresSettingType.Integer, "postmaster")]
    [InlineData("work_mem", PostgresSettingType.Integer, "user")]
    [InlineData("wal_level", PostgresSettingType.Enum, "postmaster")]
    [InlineData("enable_seqscan", PostgresSettingType.Bool, "user")]
    [InlineData("random_page_cost", PostgresSettingType.Real, "user")]
    [InlineData("application_name", PostgresSettingType.String, "user")]
    [InlineData("max_wal_size", PostgresSettingType.Integer, "sighup")]
    [InlineData("block_size", PostgresSettingType.Integer, "internal")]
    [InlineData("log_connections", PostgresSettingType.Bool, "superuser-backend")]
    [InlineData("max_worker_processes", PostgresSettingType.Integer, "postmaster")]
    [InlineData("effective_io_concurrency", PostgresSettingType.Integer, "user")]
    [InlineData("zero_damaged_pages", PostgresSettingType.Bool, "superuser")]
    public void Known_settings_have_their_type_and_context(string name, PostgresSettingType type, string context)
    {
        var setting = PostgresSettingsCatalog.Find(name);
        Assert.NotNull(setting);
        Assert.Equal(new PostgresSetting(name, type, context), setting);
    }

    [Fact]
    public void Lookups_ignore_case_as_postgresql_does()
    {
        Assert.Equal("shared_buffers", PostgresSettingsCatalog.Find("Shared_Buffers")?.Name);
        Assert.Null(PostgresSettingsCatalog.Find("no_such_setting"));
        Assert.Null(PostgresSettingsCatalog.Find("cron.database_name"));
        Assert.Equal("integer", PostgresSettingsCatalog.Find("work_mem")!.TypeName);
    }

    [Theory]
    [InlineData("shared_buffers", true)]
    [InlineData("block_size", true)]
    [InlineData("work_mem", false)]
    [InlineData("max_wal_size", false)]
    [InlineData("cron.database_name", true)]
    [InlineData("no_such_setting", true)]
    public void Restart_is_needed_for_postmaster_internal_unknown_and_extension_settings(string name, bool restart) =>
        Assert.Equal(restart, PostgresSettingsCatalog.RequiresRestart(name));
}
