using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Grains.Tests.Builders.TableGroups;

/// <summary>The TableGroup of sample <c>minimal</c> (db postgres, tg default, shard 0-inf, pool default in zone-a).</summary>
internal static class TableGroupFixtures
{
    public const string Uid = "8b3e0000-0000-4000-8000-000000000003";

    public static ShardResolvedSpec Shard(string name, IReadOnlyDictionary<string, PoolSpec>? pools = null, PVCDeletionPolicy? policy = null) => new()
    {
        Name = name,
        Multiorch = new MultiorchSpec { Cells = ["zone-a"] },
        Pools = pools ?? new Dictionary<string, PoolSpec> { ["default"] = new PoolSpec { Cells = ["zone-a"], ReplicasPerCell = 2 } },
        PvcDeletionPolicy = policy,
    };

    public static TableGroup Minimal(IReadOnlyList<ShardResolvedSpec>? shards = null, string? projectRef = null, PVCDeletionPolicy? policy = null) => new()
    {
        Metadata = new ObjectMeta
        {
            Name = "minimal-postgres-default-f7d4ad4a",
            Namespace = "default",
            Uid = Uid,
            Generation = 4,
            Labels = new Dictionary<string, string>
            {
                [LabelKeys.Cluster] = "minimal",
                [LabelKeys.Database] = "postgres",
                [LabelKeys.TableGroup] = "default",
            },
            Annotations = projectRef is null ? null : new Dictionary<string, string> { [AnnotationKeys.ProjectRef] = projectRef },
        },
        Spec = new TableGroupSpec
        {
            DatabaseName = "postgres",
            TableGroupName = "default",
            Images = new ShardImages { Multiorch = "orch:1", Multipooler = "pooler:1", Postgres = "pgctld:1" },
            GlobalTopoServer = new GlobalTopoServerRef { Address = "minimal-global-topo.default.svc:2379", RootPath = "/multigres/global", Implementation = "etcd" },
            Shards = shards ?? [Shard("0-inf")],
            PvcDeletionPolicy = policy,
            PostgresPasswordSecretRef = new PostgresPasswordSecretRef { Name = "multigres-admin-password", Key = "password" },
        },
    };

    /// <summary>An observed child Shard as listed at step 4.</summary>
    public static Shard Observed(
        string name,
        bool marked = false,
        bool terminating = false,
        bool readyForDeletion = false,
        Phase? phase = null,
        long observedGeneration = 1)
    {
        var conditions = readyForDeletion
            ? new List<Condition>
            {
                new()
                {
                    Type = ConditionTypes.ReadyForDeletion, Status = ConditionStatus.True, Reason = "DrainComplete", Message = "",
                    LastTransitionTime = DateTimeOffset.UnixEpoch,
                },
            }
            : null;
        return new Shard
        {
            Metadata = new ObjectMeta
            {
                Name = name,
                Namespace = "default",
                Annotations = marked ? new Dictionary<string, string> { [AnnotationKeys.PendingDeletion] = "2026-08-21T02:00:00Z" } : null,
                DeletionTimestamp = terminating ? DateTimeOffset.UnixEpoch : null,
            },
            Spec = Build(name),
            Status = new ShardStatus { OrchReady = false, PoolsReady = false, Phase = phase, ObservedGeneration = observedGeneration, Conditions = conditions },
        };
    }

    private static ShardSpec Build(string name) => new()
    {
        DatabaseName = "postgres",
        TableGroupName = "default",
        ShardName = name,
        Images = new ShardImages { Multiorch = "orch:1", Multipooler = "pooler:1", Postgres = "pgctld:1" },
        GlobalTopoServer = new GlobalTopoServerRef { Address = "a", RootPath = "/r", Implementation = "etcd" },
        Multiorch = new MultiorchSpec(),
        Pools = new Dictionary<string, PoolSpec>(),
        PostgresPasswordSecretRef = new PostgresPasswordSecretRef { Name = "s", Key = "k" },
    };
}
