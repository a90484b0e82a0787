using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Builders.Statuses;
using MultigresOrleans.Grains.Clusters;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Grains.Tests.Clusters;

/// <summary>Spec §11.1: phase over fresh children, Available over cells, plus the TopologyReady condition we add.</summary>
public sealed class ClusterStatusBuilderTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 8, 0, 0, TimeSpan.Zero);

    private static readonly MultigresCluster Cluster = new()
    {
        Metadata = new ObjectMeta { Name = "c", Namespace = "ns", Generation = 4 },
        Spec = new MultigresClusterSpec { PostgresPasswordSecretRef = new PostgresPasswordSecretRef { Name = "pw", Key = "password" } },
    };

    private static Cell NewCell(string name, long generation, long? observed, Phase? phase, bool available) => new()
    {
        Metadata = new ObjectMeta { Name = "c-" + name, Namespace = "ns", Generation = generation },
        Spec = new CellSpec
        {
            Name = name,
            ZoneId = "z",
            Images = new CellImages { Multigateway = "img" },
            Multigateway = new MultigatewaySpec(),
            GlobalTopoServer = new GlobalTopoServerRef { Address = "a:2379", RootPath = "/multigres/global", Implementation = "etcd" },
        },
        Status = new CellStatus
        {
            ObservedGeneration = observed,
            Phase = phase,
            GatewayReplicas = 2,
            GatewayReadyReplicas = available ? 2 : 0,
            Conditions = [ConditionSet.Make(ConditionTypes.Available, available, "r", "m", generation, Now)],
        },
    };

    [Fact]
    public void All_fresh_healthy_children_make_the_cluster_Healthy_and_Available()
    {
        var status = ClusterStatusBuilder.Compute(Cluster, [NewCell("a", 2, 2, Phase.Healthy, true)], [], [], null, null, Now);

        Assert.Equal(Phase.Healthy, status.Phase);
        Assert.Equal("Ready", status.Message);
        Assert.Equal(4, status.ObservedGeneration);
        Assert.True(ConditionSet.IsTrue(status.Conditions, ConditionTypes.Available));
        Assert.True(status.Cells!["a"].Ready);
        Assert.Equal(2, status.Cells["a"].GatewayReplicas);
    }

    [Fact]
    public void A_child_that_has_not_observed_its_generation_keeps_the_cluster_Progressing_and_the_cell_not_ready()
    {
        var status = ClusterStatusBuilder.Compute(Cluster, [NewCell("a", 3, 2, Phase.Healthy, true)], [], [], null, null, Now);

        Assert.Equal(Phase.Progressing, status.Phase);
        Assert.False(status.Cells!["a"].Ready);
        Assert.False(ConditionSet.IsTrue(status.Conditions, ConditionTypes.Available));
    }

    [Fact]
    public void A_fresh_degraded_child_makes_the_cluster_Degraded()
    {
        var status = ClusterStatusBuilder.Compute(Cluster,
            [NewCell("a", 1, 1, Phase.Healthy, true), NewCell("b", 1, 1, Phase.Degraded, false)], [], [], null, null, Now);

        Assert.Equal(Phase.Degraded, status.Phase);
        Assert.Equal("Cluster is degraded", status.Message);
    }

    [Fact]
    public void No_cells_is_never_Available()
    {
        var status = ClusterStatusBuilder.Compute(Cluster, [], [], [], null, null, Now);

        Assert.Equal(Phase.Healthy, status.Phase); // vacuously, as the spec says
        Assert.False(ConditionSet.IsTrue(status.Conditions, ConditionTypes.Available));
    }

    [Fact]
    public void An_unusable_topology_is_a_false_TopologyReady_condition_with_the_reason()
    {
        var failed = ClusterStatusBuilder.Compute(Cluster, [], [], [], null, null, Now,
            ClusterStatusBuilder.TopologyCondition(Cluster, "topology server unavailable: UNAVAILABLE: connection refused", Now));
        var condition = ConditionSet.Find(failed.Conditions, ClusterStatusBuilder.TopologyReady)!;
        Assert.Equal(ConditionStatus.False, condition.Status);
        Assert.Equal(ClusterStatusBuilder.TopologyError, condition.Reason);
        Assert.Contains("connection refused", condition.Message, StringComparison.Ordinal);

        var recovered = ClusterStatusBuilder.Compute(Cluster with { Status = failed }, [], [], [], null, null, Now.AddMinutes(1),
            ClusterStatusBuilder.TopologyCondition(Cluster, null, Now.AddMinutes(1)));
        Assert.Equal(ConditionStatus.True, ConditionSet.Find(recovered.Conditions, ClusterStatusBuilder.TopologyReady)!.Status);
    }
}
