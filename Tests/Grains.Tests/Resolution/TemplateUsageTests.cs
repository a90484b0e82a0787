using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Resolution;
using static MultigresOrleans.Grains.Tests.Resolution.ResolutionFixtures;

namespace MultigresOrleans.Grains.Tests.Resolution;

/// <summary>status.resolvedTemplates and the tracking-label decision (spec §6.1 steps 5 and 12, §16.17).</summary>
public sealed class TemplateUsageTests
{
    [Fact]
    public void Explicit_names_of_every_location_are_collected_sorted_and_deduplicated()
    {
        var spec = Spec() with
        {
            TemplateDefaults = new TemplateDefaults { CoreTemplate = "zeta", CellTemplate = "c-default", ShardTemplate = "s1" },
            GlobalTopoServer = new GlobalTopoServerSpec { TemplateRef = "alpha" },
            Multiadmin = new MultiadminConfig { TemplateRef = "zeta" },
            MultiadminWeb = new MultiadminWebConfig { TemplateRef = "beta" },
            Cells = [new CellConfig { Name = "a", CellTemplate = "big" }, new CellConfig { Name = "b" }],
            Databases =
            [
                new DatabaseConfig
                {
                    Name = "postgres",
                    TableGroups = [new TableGroupConfig { Name = "default", Shards = [new ShardConfig { Name = "0-inf", ShardTemplate = "s0" }] }],
                },
            ],
        };

        AssertJson(
            "{coreTemplates: [alpha, beta, zeta], cellTemplates: [big, c-default], shardTemplates: [s0, s1]}",
            ToJson(TemplateUsage.ResolvedTemplates(spec)));
        Assert.Equal(new TemplateKindsInUse(true, true, true), TemplateUsage.KindsInUse(spec));
    }

    [Fact]
    public void Implicit_default_is_not_tracked_until_promoted()
    {
        var spec = Spec("a");
        var templates = Templates(core: [Core("default", new CoreTemplateSpec())]);

        AssertJson("{}", ToJson(TemplateUsage.ResolvedTemplates(spec)));
        Assert.Equal(new TemplateKindsInUse(false, false, false), TemplateUsage.KindsInUse(spec));

        var promoted = Defaulter.Default(Cluster(spec), templates).Cluster.Spec;
        AssertJson("{coreTemplates: [default]}", ToJson(TemplateUsage.ResolvedTemplates(promoted)));
        Assert.Equal(new TemplateKindsInUse(true, false, false), TemplateUsage.KindsInUse(promoted));
    }

    [Fact]
    public void Reconcile_options_carry_spec_cells_in_order_the_inherited_backup_and_materialise()
    {
        var spec = Spec("b", "a") with { Backup = HardcodedDefaults.Backup };
        var db = new DatabaseConfig { Name = "postgres" };

        var options = ShardResolver.ReconcileOptions(spec, db, new TableGroupConfig { Name = "default" });

        Assert.Equal(["b", "a"], options.AllCellNames);
        Assert.True(options.MaterializeCellDefaults);
        Assert.Equal(BackupType.Filesystem, options.InheritedBackup!.Type);
    }
}
