using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Resolution;
using MultigresOrleans.Kubernetes.Models;
using static MultigresOrleans.Grains.Tests.Resolution.ResolutionFixtures;

namespace MultigresOrleans.Grains.Tests.Resolution;

/// <summary>
/// Properties of the mutating webhook over generated clusters and template sets (issue 6 "Done means"):
/// the patch applied to the input is the defaulted spec, defaulting a defaulted spec yields an empty patch,
/// and component images are never written.
/// </summary>
public sealed class DefaultingPropertyTests
{
    private const int MaxTest = 200;

    private static readonly string[] CellNames = ["a", "b", "c"];

    private static Gen<T?> Maybe<T>(Gen<T> gen)
        where T : class =>
        Gen.Frequency((1, Gen.Constant<T?>(null)), (2, gen.Select(x => (T?)x)));

    private static Gen<int?> MaybeInt(int low, int high) =>
        Gen.Frequency((1, Gen.Constant<int?>(null)), (2, Gen.Choose(low, high).Select(x => (int?)x)));

    private static readonly Gen<string> TemplateName = Gen.Elements("default", "t1");

    private static readonly Gen<ResourceRequirements> Resources =
        Gen.Elements(Res("1", "1Gi"), Res("250m", null, "2Gi"), new ResourceRequirements());

    private static readonly Gen<IReadOnlyDictionary<string, string>> Annotations =
        Gen.Elements<IReadOnlyDictionary<string, string>>(Dict(("a/b~c", "1")), Dict(("x", "2"), ("y", "3")), Dict<string>());

    private static readonly Gen<StatelessSpec> Stateless =
        from replicas in MaybeInt(0, 5)
        from resources in Maybe(Resources)
        from annotations in Maybe(Annotations)
        select new StatelessSpec { Replicas = replicas, Resources = resources, PodAnnotations = annotations };

    private static readonly Gen<MultigatewaySpec> Gateway =
        from replicas in MaybeInt(0, 5)
        from resources in Maybe(Resources)
        from buffer in Maybe(
            from enabled in Gen.Elements<bool?>(null, true, false)
            from window in Gen.Elements(null, "5s", "20s")
            from size in MaybeInt(1, 100)
            select new GatewayBufferConfig { Enabled = enabled, Window = window, Size = size })
        select new MultigatewaySpec { Replicas = replicas, Resources = resources, Buffer = buffer };

    private static readonly Gen<PodPlacementSpec> Placement =
        Gen.Elements(new PodPlacementSpec(), new PodPlacementSpec { Tolerations = [new Toleration { Key = "k", Operator = "Exists" }] });

    private static readonly Gen<PVCDeletionPolicy> Pvc =
        from d in Gen.Elements<PVCRetentionPolicyType?>(null, PVCRetentionPolicyType.Retain, PVCRetentionPolicyType.Delete)
        from s in Gen.Elements<PVCRetentionPolicyType?>(null, PVCRetentionPolicyType.Retain, PVCRetentionPolicyType.Delete)
        select new PVCDeletionPolicy { WhenDeleted = d, WhenScaled = s };

    private static readonly Gen<BackupConfig> Backup = Gen.Elements(
        new BackupConfig { Type = BackupType.Filesystem },
        new BackupConfig { Type = BackupType.Filesystem, Filesystem = new FilesystemBackupConfig { Path = "/b", Storage = new StorageSpec { Class = "nfs" } } },
        new BackupConfig { Type = BackupType.S3, S3 = new S3BackupConfig { Bucket = "b", Region = "r", UseEnvCredentials = false } });

    private static readonly Gen<PoolSpec> Pool =
        from cells in Gen.Elements<IReadOnlyList<string>?>(null, ["a"], ["a", "b"])
        from replicas in MaybeInt(1, 4)
        from size in Gen.Elements(null, "5Gi")
        from postgres in Maybe(from r in Maybe(Resources) from u in Gen.Elements<long?>(null, 999, 1000) select new ContainerConfig { Resources = r, RunAsUser = u })
        from pvc in Maybe(Pvc)
        select new PoolSpec
        {
            Cells = cells,
            ReplicasPerCell = replicas,
            Storage = size is null ? null : new StorageSpec { Size = size },
            Postgres = postgres,
            PvcDeletionPolicy = pvc,
        };

    private static readonly Gen<IReadOnlyDictionary<string, PoolSpec>> Pools =
        from count in Gen.Choose(0, 2)
        from pools in Pool.ArrayOf(count)
        select (IReadOnlyDictionary<string, PoolSpec>)pools.Select((p, i) => (Name: i == 0 ? "default" : "p" + i, Pool: p))
            .ToDictionary(x => x.Name, x => x.Pool, StringComparer.Ordinal);

    private static readonly Gen<ShardConfig> Shard =
        from kind in Gen.Choose(0, 3)
        from multiorch in Maybe(from s in Stateless select new MultiorchSpec { Replicas = s.Replicas, Resources = s.Resources, Cells = s.Replicas > 2 ? ["b"] : null })
        from pools in Maybe(Pools)
        from pgConfig in Maybe(Gen.Elements<IReadOnlyDictionary<string, string>>(Dict(("work_mem", "4MB")), Dict<string>()))
        from pvc in Maybe(Pvc)
        from backup in Maybe(Backup)
        from template in TemplateName
        select kind switch
        {
            0 => new ShardConfig { Name = "0-inf", Backup = backup },
            1 => new ShardConfig { Name = "0-inf", ShardTemplate = template, Backup = backup },
            2 => new ShardConfig { Name = "0-inf", Overrides = new ShardOverrides { Multiorch = multiorch, Pools = pools, PostgresConfig = pgConfig, InitdbArgs = "--o" } },
            _ => new ShardConfig { Name = "0-inf", Spec = new ShardInlineSpec { Multiorch = multiorch, Pools = pools, PostgresConfig = pgConfig, PvcDeletionPolicy = pvc }, Backup = backup },
        };

    private static readonly Gen<IReadOnlyList<DatabaseConfig>> Databases =
        from kind in Gen.Choose(0, 3)
        from shard in Shard
        from backup in Maybe(Backup)
        from pvc in Maybe(Pvc)
        select kind switch
        {
            0 => (IReadOnlyList<DatabaseConfig>)[],
            1 => [new DatabaseConfig { Name = "postgres", IsDefault = true, Backup = backup }],
            2 => [new DatabaseConfig { Name = "postgres", IsDefault = true, TableGroups = [new TableGroupConfig { Name = "default", IsDefault = true, PvcDeletionPolicy = pvc }] }],
            _ => [new DatabaseConfig { Name = "postgres", IsDefault = true, DurabilityPolicy = "MULTI_CELL_AT_LEAST_2", TableGroups = [new TableGroupConfig { Name = "default", IsDefault = true, Backup = backup, Shards = [shard] }] }],
        };

    private static Gen<CellConfig> Cell(string name) =>
        from kind in Gen.Choose(0, 3)
        from gateway in Maybe(Gateway)
        from placement in Maybe(Placement)
        from template in TemplateName
        from localTopo in Maybe(Gen.Elements(
            new LocalTopoServerSpec { Etcd = new EtcdSpec { Replicas = 1 } },
            new LocalTopoServerSpec { External = new ExternalTopoServerSpec { Endpoints = ["http://e:2379"] } }))
        select kind switch
        {
            0 => new CellConfig { Name = name, ZoneId = "z" },
            1 => new CellConfig { Name = name, Region = "r", CellTemplate = template },
            2 => new CellConfig { Name = name, ZoneId = "z", Overrides = new CellOverrides { Multigateway = gateway, MultigatewayPlacement = placement } },
            _ => new CellConfig { Name = name, ZoneId = "z", Spec = new CellInlineSpec { Multigateway = gateway, MultigatewayPlacement = placement, LocalTopoServer = localTopo } },
        };

    private static readonly Gen<IReadOnlyList<CellConfig>?> Cells =
        from count in Gen.Choose(0, 3)
        from cells in Gen.CollectToList(CellNames.Take(count), Cell)
        select count == 0 ? null : (IReadOnlyList<CellConfig>)cells.ToList();

    private static readonly Gen<MultigresClusterSpec> ClusterSpec =
        from cells in Cells
        from databases in Databases
        from topoKind in Gen.Choose(0, 3)
        from etcdReplicas in MaybeInt(1, 5)
        from admin in Maybe(from s in Maybe(Stateless) from p in Maybe(Placement) from t in Gen.Elements<string?>(null, "t1") select t is null ? new MultiadminConfig { Spec = s, Placement = p } : new MultiadminConfig { TemplateRef = t })
        from adminWeb in Maybe(from s in Stateless select new MultiadminWebConfig { Spec = s })
        from td in Maybe(
            from core in Gen.Elements<string?>(null, "t1")
            from cell in Gen.Elements<string?>(null, "t1")
            from shard in Gen.Elements<string?>(null, "t1")
            select new TemplateDefaults { CoreTemplate = core, CellTemplate = cell, ShardTemplate = shard })
        from pullPolicy in Gen.Elements<PullPolicy?>(null, PullPolicy.Always)
        from pinned in Gen.Elements<string?>(null, "ghcr.io/multigres/multigres:pinned")
        from backup in Maybe(Backup)
        from pvc in Maybe(Pvc)
        from logLevels in Maybe(Gen.Elements(new ComponentLogLevels(), new ComponentLogLevels { Multiorch = LogLevel.Debug }))
        select new MultigresClusterSpec
        {
            PostgresPasswordSecretRef = Password,
            Cells = cells,
            Databases = databases.Count == 0 ? null : databases,
            GlobalTopoServer = topoKind switch
            {
                0 => null,
                1 => new GlobalTopoServerSpec { Etcd = new EtcdSpec { Replicas = etcdReplicas } },
                2 => new GlobalTopoServerSpec { TemplateRef = "t1" },
                _ => new GlobalTopoServerSpec { External = new ExternalTopoServerSpec { Endpoints = ["http://x:2379"] }, Placement = new PodPlacementSpec() },
            },
            Multiadmin = admin,
            MultiadminWeb = adminWeb,
            TemplateDefaults = td,
            Images = pullPolicy is null && pinned is null ? null : new ClusterImages { ImagePullPolicy = pullPolicy, Multiorch = pinned },
            Backup = backup,
            PvcDeletionPolicy = pvc,
            LogLevels = logLevels,
        };

    /// <summary>Every subset of {default, t1} per kind: t1 always exists (clusters may name it), default sometimes.</summary>
    private static readonly Gen<InMemoryTemplateSource> TemplateSets =
        from core in Gen.Elements(false, true)
        from cell in Gen.Elements(false, true)
        from shard in Gen.Elements(false, true)
        select Templates(
            core: Named(core, n => Core(n, new CoreTemplateSpec { Multiadmin = new StatelessSpec { Replicas = 2 }, GlobalTopoServer = new TopoServerSpec { Etcd = new EtcdSpec { Replicas = 5 } } })),
            cell: Named(cell, n => CellT(n, new CellTemplateSpec { Multigateway = new MultigatewaySpec { Replicas = 3, Buffer = new GatewayBufferConfig { Size = 10 } } })),
            shard: Named(shard, n => ShardT(n, new ShardTemplateSpec { Pools = Dict(("default", new PoolSpec { ReplicasPerCell = 3 })), PostgresConfig = Dict(("max_connections", "50")) })));

    private static IEnumerable<T> Named<T>(bool withDefault, Func<string, T> make) =>
        withDefault ? [make("t1"), make("default")] : [make("t1")];

    private static readonly Arbitrary<(MultigresClusterSpec Spec, InMemoryTemplateSource Templates)> Inputs =
        Arb.From(ClusterSpec.Zip(TemplateSets));

    private static void Check(Property property) => property.Check(Config.QuickThrowOnFailure.WithMaxTest(MaxTest));

    private static JsonObject Incoming(MultigresClusterSpec spec) => (JsonObject)ToJson(Cluster(spec))!;

    [Fact]
    public void Applying_the_patch_to_the_input_gives_the_defaulted_spec()
    {
        Check(Prop.ForAll(Inputs, input =>
        {
            var incoming = Incoming(input.Spec);
            var result = MutationPatch.Compute(incoming, input.Templates);
            var patched = JsonPatchApply.Apply(incoming, result.Patch)!;
            AssertJson(MutationPatch.SpecJson(result.Defaulted), patched["spec"]);
            AssertJson(incoming["metadata"], patched["metadata"]);
        }));
    }

    [Fact]
    public void Defaulting_a_defaulted_spec_yields_an_empty_patch()
    {
        Check(Prop.ForAll(Inputs, input =>
        {
            var first = MutationPatch.Compute(Incoming(input.Spec), input.Templates);
            var second = MutationPatch.Compute(Incoming(first.Defaulted.Spec), input.Templates);
            Assert.True(second.Patch.Count == 0, $"second pass patched: {second.Patch.ToJsonString()}");
        }));
    }

    [Fact]
    public void Component_images_are_never_written_and_explicit_pins_are_kept()
    {
        Check(Prop.ForAll(Inputs, input =>
        {
            var result = MutationPatch.Compute(Incoming(input.Spec), input.Templates);
            var images = result.Defaulted.Spec.Images!;
            Assert.Equal(input.Spec.Images?.Multiorch, images.Multiorch);
            Assert.Null(images.Multigateway);
            Assert.Null(images.Multipooler);
            Assert.Null(images.Multiadmin);
            Assert.Null(images.MultiadminWeb);
            Assert.Null(images.Postgres);
            Assert.Equal(input.Spec.Images?.ImagePullPolicy ?? PullPolicy.IfNotPresent, images.ImagePullPolicy);
        }));
    }

    [Fact]
    public void Stored_pools_never_get_cells_the_user_did_not_write()
    {
        Check(Prop.ForAll(Inputs, input =>
        {
            var inputPools = (input.Spec.Databases ?? []).SelectMany(d => d.TableGroups ?? []).SelectMany(t => t.Shards ?? [])
                .SelectMany(s => (s.Spec?.Pools ?? Dict<PoolSpec>()).Values.Concat((s.Overrides?.Pools ?? Dict<PoolSpec>()).Values))
                .Any(p => p.Cells is { Count: > 0 });
            // A pool created because no layer named one takes the orchestrator's cells (spec §2.5), which the user may have written.
            var orchCells = (input.Spec.Databases ?? []).SelectMany(d => d.TableGroups ?? []).SelectMany(t => t.Shards ?? [])
                .Any(s => s.Spec?.Multiorch?.Cells is { Count: > 0 } || s.Overrides?.Multiorch?.Cells is { Count: > 0 });
            var defaulted = Defaulter.Default(Cluster(input.Spec), input.Templates).Cluster.Spec;
            var anyCells = (defaulted.Databases ?? []).SelectMany(d => d.TableGroups ?? []).SelectMany(t => t.Shards ?? [])
                .SelectMany(s => (s.Spec?.Pools ?? Dict<PoolSpec>()).Values).Any(p => p.Cells is { Count: > 0 });
            Assert.True(inputPools || orchCells || !anyCells, "a pool got cells the user never wrote");
        }));
    }
}
