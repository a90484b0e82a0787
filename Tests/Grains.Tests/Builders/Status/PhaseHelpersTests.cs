using System.Text.Json;
using System.Text.Json.Nodes;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Builders.Statuses;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Grains.Tests.Builders.Statuses;

/// <summary>The shared phase helpers and SetCondition (spec §11.6), with the reference's test cases.</summary>
public sealed class PhaseHelpersTests
{
    internal static Pod PodWith(string stateJson, int restarts = 0, bool init = false, bool deleting = false)
    {
        var pod = new Pod { Status = new PodStatus() };
        if (deleting)
            pod.Metadata.DeletionTimestamp = DateTimeOffset.UnixEpoch;
        if (init)
        {
            using var doc = JsonDocument.Parse($$"""[{"name":"pgctld","restartCount":{{restarts}},"state":{{stateJson}}}]""");
            pod.Status.ExtensionData = new Dictionary<string, JsonElement> { ["initContainerStatuses"] = doc.RootElement.Clone() };
        }
        else
        {
            pod.Status.ContainerStatuses = [new ContainerStatus { Name = "c", RestartCount = restarts, State = (JsonObject)JsonNode.Parse(stateJson)! }];
        }

        return pod;
    }

    internal static Pod Healthy() => PodWith("""{"running":{}}""");

    internal static Pod Crashing() => PodWith("""{"waiting":{"reason":"CrashLoopBackOff"}}""");

    [Theory]
    [InlineData(0, 0, Phase.Initializing)]
    [InlineData(3, 3, Phase.Healthy)]
    [InlineData(2, 3, Phase.Progressing)]
    [InlineData(0, 3, Phase.Progressing)]
    public void Compute_phase(int ready, int total, Phase expected) => Assert.Equal(expected, PhaseHelpers.ComputePhase(ready, total));

    [Theory]
    [InlineData("""{"waiting":{"reason":"CrashLoopBackOff"}}""", 0, false, true)]
    [InlineData("""{"waiting":{"reason":"OOMKilled"}}""", 0, false, true)]
    [InlineData("""{"waiting":{"reason":"ImagePullBackOff"}}""", 0, false, true)]
    [InlineData("""{"waiting":{"reason":"ErrImagePull"}}""", 0, false, false)]
    [InlineData("""{"running":{}}""", 10, false, false)]
    [InlineData("""{"terminated":{"reason":"Completed"}}""", 5, false, true)]
    [InlineData("""{"terminated":{"reason":"Completed"}}""", 3, false, true)]
    [InlineData("""{"terminated":{"reason":"Completed"}}""", 2, false, false)]
    [InlineData("""{"waiting":{"reason":"CrashLoopBackOff"}}""", 0, true, true)]
    [InlineData("""{"terminated":{"reason":"Error"}}""", 5, true, true)]
    [InlineData("""{"running":{}}""", 0, true, false)]
    public void Is_crash_looping(string state, int restarts, bool init, bool expected) =>
        Assert.Equal(expected, PhaseHelpers.IsCrashLooping(PodWith(state, restarts, init)));

    [Fact]
    public void A_pod_without_statuses_is_not_crash_looping() => Assert.False(PhaseHelpers.IsCrashLooping(new Pod()));

    [Fact]
    public void Any_crash_looping_ignores_terminating_pods()
    {
        var terminatingCrash = PodWith("""{"waiting":{"reason":"CrashLoopBackOff"}}""", deleting: true);

        Assert.False(PhaseHelpers.AnyCrashLooping(null));
        Assert.False(PhaseHelpers.AnyCrashLooping([Healthy(), Healthy()]));
        Assert.True(PhaseHelpers.AnyCrashLooping([Healthy(), Crashing()]));
        Assert.False(PhaseHelpers.AnyCrashLooping([terminatingCrash]));
        Assert.True(PhaseHelpers.AnyCrashLooping([terminatingCrash, Crashing()]));
    }

    [Fact]
    public void Workload_phase_branches_and_messages()
    {
        PhaseResult Run(int ready, int total, long current, long observed, IReadOnlyList<Pod>? pods) =>
            PhaseHelpers.ComputeWorkloadPhase(new WorkloadPhaseInput(ready, total, current, observed, pods, "Gateway"));

        Assert.Equal(new PhaseResult(Phase.Healthy, "Ready"), Run(3, 3, 1, 1, [Healthy()]));
        Assert.Equal(new PhaseResult(Phase.Progressing, "Gateway: 1/3 replicas ready"), Run(1, 3, 1, 1, [Healthy()]));
        Assert.Equal(new PhaseResult(Phase.Progressing, "Gateway is progressing"), Run(3, 3, 2, 1, [Healthy()]));
        Assert.Equal(new PhaseResult(Phase.Degraded, "Gateway: one or more pods are crash-looping"), Run(0, 3, 1, 1, [Crashing()]));
        Assert.Equal(Phase.Degraded, Run(0, 3, 2, 1, [Crashing()]).Phase);
        Assert.Equal(new PhaseResult(Phase.Initializing, "Gateway: 0/0 replicas ready"), Run(0, 0, 1, 1, []));
        Assert.Equal(Phase.Progressing, Run(1, 3, 1, 1, null).Phase);
    }

    [Fact]
    public void Phase_change_message_quotes_both_phases_with_empty_for_none()
    {
        Assert.Equal("Transitioned from '' to 'Initializing'", PhaseHelpers.PhaseChangeMessage(null, Phase.Initializing));
        Assert.Equal("Transitioned from 'Progressing' to 'Healthy'", PhaseHelpers.PhaseChangeMessage(Phase.Progressing, Phase.Healthy));
        Assert.True(PhaseHelpers.PhaseChanged(null, Phase.Healthy));
        Assert.False(PhaseHelpers.PhaseChanged(Phase.Healthy, Phase.Healthy));
    }

    [Fact]
    public void Set_condition_keeps_the_transition_time_when_status_is_unchanged_and_updates_the_rest()
    {
        var t0 = DateTimeOffset.UnixEpoch;
        var t1 = t0.AddHours(1);
        var other = ConditionSet.Make("Other", true, "R", "m", 1, t0);
        var existing = new List<Condition> { other, ConditionSet.Make("Ready", false, "A", "old", 1, t0) };

        var same = ConditionSet.Set(existing, ConditionSet.Make("Ready", false, "B", "new", 2, t1));
        var flipped = ConditionSet.Set(existing, ConditionSet.Make("Ready", true, "C", "up", 2, t1));
        var added = ConditionSet.Set(null, ConditionSet.Make("Ready", true, "C", "up", 2, t1));

        Assert.Equal(["Other", "Ready"], same.Select(c => c.Type));
        Assert.Equal((t0, "B", "new", 2L), (same[1].LastTransitionTime, same[1].Reason, same[1].Message, same[1].ObservedGeneration!.Value));
        Assert.Equal(t1, flipped[1].LastTransitionTime);
        Assert.Same(other, flipped[0]);
        Assert.Equal(t1, Assert.Single(added).LastTransitionTime);
        Assert.True(ConditionSet.IsTrue(flipped, "Ready"));
        Assert.False(ConditionSet.IsTrue(same, "Ready"));
        Assert.False(ConditionSet.IsTrue(null, "Ready"));
    }
}
