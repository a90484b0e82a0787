using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Builders.PoolPods;
using MultigresOrleans.Kubernetes.Models;
using static MultigresOrleans.Grains.Tests.Builders.PoolPods.PoolPodFixtures;

namespace MultigresOrleans.Grains.Tests.Builders.PoolPods;

public sealed class PoolPodSpecHashTests
{
    private static string Hash(Pod pod) => pod.Metadata.Annotations![AnnotationKeys.SpecHash];

    [Fact]
    public void Equal_input_gives_an_equal_hash()
    {
        Assert.Equal(Hash(Build()), Hash(Build()));
        Assert.Equal(Hash(Build()), PoolPodSpecHash.Compute(Build()));
    }

    [Fact]
    public void Spec_changes_change_the_hash()
    {
        var baseline = Hash(Build());
        Assert.NotEqual(baseline, Hash(Build(Minimal(s => s with { LogLevels = new ComponentLogLevels { Multipooler = LogLevel.Warn } }))));
        Assert.NotEqual(baseline, Hash(Build(Minimal(s => s with { InternalTls = new InternalTLSConfig { Enabled = true } }))));
        Assert.NotEqual(baseline, Hash(Build(Minimal(s => s with { Images = s.Images with { Postgres = "example/pgctld:2" } }))));
        Assert.NotEqual(baseline, Hash(Build(pool: PoolSpec(p => p with { FsGroup = 999 }))));
        Assert.NotEqual(baseline, Hash(Build(pool: PoolSpec(p => p with { Multipooler = new ContainerConfig { Resources = new ResourceRequirements { Limits = new Dictionary<string, Quantity> { ["memory"] = "1Gi" } } } }))));
        Assert.NotEqual(baseline, Hash(Build(Minimal(s => s with { PostgresPasswordSecretRef = s.PostgresPasswordSecretRef with { Key = "pw" } }))));
    }

    [Fact]
    public void Each_index_has_its_own_hash_because_the_pvc_and_service_id_differ()
    {
        Assert.NotEqual(Hash(Build(index: 0)), Hash(Build(index: 1)));
    }

    [Fact]
    public void Restart_hash_counts_but_reload_hash_does_not()
    {
        var baseline = Hash(Build());
        Assert.NotEqual(baseline, Hash(Build(inputs: Inputs(configHash: "restart-2"))));
        Assert.Equal(baseline, Hash(Build(inputs: Inputs(reloadHash: "reload-2"))));
    }

    [Fact]
    public void Labels_annotations_and_probes_are_outside_the_hash()
    {
        var pod = Build();
        var before = PoolPodSpecHash.Compute(pod);
        pod.Metadata.Labels!["extra"] = "x";
        pod.Metadata.Annotations![AnnotationKeys.ProjectRef] = "other";
        pod.Spec!.Containers[0].ReadinessProbe = null;
        pod.Spec.Containers[0].Ports = null;
        Assert.Equal(before, PoolPodSpecHash.Compute(pod));
    }

    [Fact]
    public void Read_only_flag_of_a_mount_participates()
    {
        var pod = Build();
        var before = PoolPodSpecHash.Compute(pod);
        pod.Spec!.Containers[0].VolumeMounts![3].ReadOnly = null;
        Assert.NotEqual(before, PoolPodSpecHash.Compute(pod));
    }

    [Fact]
    public void Null_and_empty_resources_hash_alike()
    {
        var pod = Build();
        var before = PoolPodSpecHash.Compute(pod);
        pod.Spec!.Containers[1].Resources = new ResourceRequirements();
        Assert.Equal(before, PoolPodSpecHash.Compute(pod));
    }

    [Fact]
    public void Needs_update_compares_the_observed_annotation_with_the_desired_hash()
    {
        var desired = Build();
        var observed = Build();
        Assert.False(PoolPodSpecHash.NeedsUpdate(observed, desired));

        var drifted = Build(Minimal(s => s with { LogLevels = new ComponentLogLevels { Pgctld = LogLevel.Error } }));
        Assert.True(PoolPodSpecHash.NeedsUpdate(drifted, desired));

        observed.Metadata.Annotations!.Remove(AnnotationKeys.SpecHash);
        Assert.True(PoolPodSpecHash.NeedsUpdate(observed, desired));

        drifted.Metadata.DeletionTimestamp = DateTimeOffset.UnixEpoch;
        Assert.False(PoolPodSpecHash.NeedsUpdate(drifted, desired));
    }
}
