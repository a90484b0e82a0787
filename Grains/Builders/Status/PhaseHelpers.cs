namespace MultigresOrleans.Grains.Builders.Statuses;

using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Kubernetes.Models;

/// <summary>What <see cref="PhaseHelpers.ComputeWorkloadPhase"/> looks at for one Deployment or StatefulSet.</summary>
/// <param name="Ready">Ready replicas the workload reports.</param>
/// <param name="Total">Replicas the phase is measured against (Cell: Deployment status.replicas; TopoServer: StatefulSet spec.replicas).</param>
/// <param name="GenerationCurrent">The workload's <c>metadata.generation</c>.</param>
/// <param name="GenerationObserved">The workload's <c>status.observedGeneration</c>.</param>
/// <param name="Pods">The workload's pods; null skips crash-loop detection (no pod list was available).</param>
/// <param name="ComponentName">Prefix of the human message (<c>Gateway</c>, <c>StatefulSet</c>).</param>
public sealed record WorkloadPhaseInput(
    int Ready,
    int Total,
    long GenerationCurrent,
    long GenerationObserved,
    IReadOnlyList<Pod>? Pods,
    string ComponentName);

/// <summary>A phase with the message written next to it in status.</summary>
public sealed record PhaseResult(Phase Phase, string Message);

/// <summary>
/// The shared phase helpers of spec §11.6. Phases are written for humans (CloudNativePG style): one word for dashboards
/// and a message that says what is missing, so the same rules must hold for every kind that reports a workload.
/// </summary>
public static class PhaseHelpers
{
    /// <summary>Waiting reasons that mean the container will not come up by itself. <c>ErrImagePull</c> is deliberately absent: it is the transient first failure before the back-off.</summary>
    private static readonly HashSet<string> CrashWaitingReasons = new(StringComparer.Ordinal) { "CrashLoopBackOff", "OOMKilled", "ImagePullBackOff" };

    /// <summary>A terminated container restarted this often is treated as crash-looping even before the kubelet says so.</summary>
    public const int CrashRestartThreshold = 3;

    /// <summary><c>ComputePhase(ready, total)</c>: nothing desired ⇒ Initializing; all ready ⇒ Healthy; else Progressing.</summary>
    public static Phase ComputePhase(int ready, int total) =>
        total == 0 ? Phase.Initializing : ready == total ? Phase.Healthy : Phase.Progressing;

    /// <summary>
    /// <c>IsCrashLooping(pod)</c>: any container or init container waiting with CrashLoopBackOff, OOMKilled or
    /// ImagePullBackOff, or terminated after at least <see cref="CrashRestartThreshold"/> restarts. Init containers count
    /// because pgctld runs as a native sidecar init container.
    /// </summary>
    public static bool IsCrashLooping(Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        if (pod.Status is not { } status)
            return false;
        foreach (var container in status.ContainerStatuses ?? [])
        {
            if (IsCrashing(container.State, container.RestartCount))
                return true;
        }

        foreach (var (state, restarts) in InitContainerStates(status))
        {
            if (IsCrashing(state, restarts))
                return true;
        }

        return false;
    }

    /// <summary><c>AnyCrashLooping(pods)</c>: pods already being deleted are ignored, a terminating pod's crash is no longer news.</summary>
    public static bool AnyCrashLooping(IEnumerable<Pod>? pods) =>
        pods is not null && pods.Any(p => p.Metadata.DeletionTimestamp is null && IsCrashLooping(p));

    /// <summary>
    /// <c>ComputeWorkloadPhase</c>: a crash loop wins over everything (Degraded), then a workload whose controller has not
    /// seen its latest spec is Progressing, then <see cref="ComputePhase"/> decides.
    /// </summary>
    public static PhaseResult ComputeWorkloadPhase(WorkloadPhaseInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Pods is not null && AnyCrashLooping(input.Pods))
            return new PhaseResult(Phase.Degraded, $"{input.ComponentName}: one or more pods are crash-looping");
        if (input.GenerationCurrent != input.GenerationObserved)
            return new PhaseResult(Phase.Progressing, $"{input.ComponentName} is progressing");
        var phase = ComputePhase(input.Ready, input.Total);
        return phase == Phase.Healthy
            ? new PhaseResult(Phase.Healthy, "Ready")
            : new PhaseResult(phase, string.Create(CultureInfo.InvariantCulture, $"{input.ComponentName}: {input.Ready}/{input.Total} replicas ready"));
    }

    /// <summary>The wire name of a phase (<c>Healthy</c>…); empty for none, as Go prints an unset phase.</summary>
    public static string PhaseName(Phase? phase) => phase switch
    {
        Phase.Initializing => "Initializing",
        Phase.Progressing => "Progressing",
        Phase.Healthy => "Healthy",
        Phase.Degraded => "Degraded",
        Phase.Unknown => "Unknown",
        _ => "",
    };

    /// <summary>Whether a <c>PhaseChange</c> event is due: the phase written now differs from the one read at the start.</summary>
    public static bool PhaseChanged(Phase? oldPhase, Phase newPhase) => oldPhase != newPhase;

    /// <summary>Message of the Normal <c>PhaseChange</c> event (spec §10.7): <c>Transitioned from '&lt;old&gt;' to '&lt;new&gt;'</c>.</summary>
    public static string PhaseChangeMessage(Phase? oldPhase, Phase newPhase) =>
        $"Transitioned from '{PhaseName(oldPhase)}' to '{PhaseName(newPhase)}'";

    private static bool IsCrashing(JsonObject? state, int restartCount)
    {
        if (state is null)
            return false;
        if (state["waiting"] is JsonObject waiting
            && waiting["reason"] is JsonValue reason
            && reason.TryGetValue<string>(out var text)
            && CrashWaitingReasons.Contains(text))
        {
            return true;
        }

        return state["terminated"] is JsonObject && restartCount >= CrashRestartThreshold;
    }

    /// <summary>The Pod model keeps <c>initContainerStatuses</c> untyped (in ExtensionData); read just the fields needed here.</summary>
    private static IEnumerable<(JsonObject? State, int RestartCount)> InitContainerStates(PodStatus status)
    {
        if (status.ExtensionData is null || !status.ExtensionData.TryGetValue("initContainerStatuses", out var element)
            || element.ValueKind != JsonValueKind.Array)
        {
            yield break;
        }

        foreach (var item in element.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object)
                continue;
            var restarts = item.TryGetProperty("restartCount", out var r) && r.ValueKind == JsonValueKind.Number && r.TryGetInt32(out var n) ? n : 0;
            var state = item.TryGetProperty("state", out var s) && s.ValueKind == JsonValueKind.Object
                ? JsonNode.Parse(s.GetRawText()) as JsonObject
                : null;
            yield return (state, restarts);
        }
    }
}
