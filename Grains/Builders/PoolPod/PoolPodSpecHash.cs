namespace MultigresOrleans.Grains.Builders.PoolPods;

using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Kubernetes.Client;
using MultigresOrleans.Kubernetes.Models;

/// <summary>
/// <c>ComputeSpecHash</c> (spec §6.6.5): FNV-1a 32-bit over the parts of a pool pod that require a restart to change.
/// </summary>
/// <remarks>
/// Pods are managed directly (no StatefulSet), so nothing else notices that a running pod is out of date. The builder
/// stamps the hash of the desired pod into <c>multigres.com/spec-hash</c>; the reconcile rebuilds the desired pod and
/// compares the two strings. Ports, probes, labels and annotations are deliberately outside the hash (changing them
/// must not restart PostgreSQL), except the restart-hash of postgresql.conf. The JSON fragments are this project's
/// serialization of the typed models, not Go's <c>encoding/json</c>: the hash only has to agree with itself, since the
/// operator never compares it with one the reference computed.
/// </remarks>
public static class PoolPodSpecHash
{
    private const uint OffsetBasis = 2166136261;
    private const uint Prime = 16777619;

    /// <summary>The 8-hex-character spec-hash of <paramref name="pod"/>.</summary>
    public static string Compute(Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var spec = pod.Spec ?? throw new ArgumentException("the pod has no spec", nameof(pod));
        var hash = new Fnv1a();

        foreach (var container in spec.InitContainers ?? [])
            HashContainer(ref hash, container);
        foreach (var container in spec.Containers)
            HashContainer(ref hash, container);

        foreach (var volume in spec.Volumes ?? [])
            hash.Write(Json(volume));
        if (spec.Affinity is { } affinity)
            hash.Write(System.Text.Json.JsonSerializer.Serialize(affinity, KubernetesJsonContext.Default.Affinity));
        if (spec.Tolerations is { Count: > 0 } tolerations)
            hash.Write(System.Text.Json.JsonSerializer.Serialize(tolerations, KubernetesJsonContext.Default.ListToleration));
        if (spec.NodeSelector is { } nodeSelector)
        {
            foreach (var key in nodeSelector.Keys.Order(StringComparer.Ordinal))
                hash.Write(key + "=" + nodeSelector[key]);
        }

        if (spec.TerminationGracePeriodSeconds is { } grace)
            hash.Write("tgp=" + grace.ToString(CultureInfo.InvariantCulture));
        if (!string.IsNullOrEmpty(spec.ServiceAccountName))
            hash.Write("sa=" + spec.ServiceAccountName);
        if (spec.SecurityContext is { } podSecurityContext)
            hash.Write("podsc=" + podSecurityContext.ToJsonString());

        // Only the restart-hash: reload-safe settings are applied in place and must not roll the pool (§6.11).
        if (pod.Metadata.Annotations is { } annotations
            && annotations.TryGetValue(AnnotationKeys.PostgresConfigHash, out var configHash)
            && configHash.Length > 0)
        {
            hash.Write("pgcfg=" + configHash);
        }

        return hash.Value.ToString("x8", CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// <c>podNeedsUpdate</c>: whether <paramref name="observed"/> has drifted from <paramref name="desired"/>. A pod being
    /// deleted never counts (it is going away anyway); a pod without a spec-hash annotation always does (it predates
    /// the hash, or someone removed it, so its content is unknown).
    /// </summary>
    public static bool NeedsUpdate(Pod observed, Pod desired)
    {
        ArgumentNullException.ThrowIfNull(observed);
        ArgumentNullException.ThrowIfNull(desired);
        if (observed.Metadata.DeletionTimestamp is not null)
            return false;
        if (observed.Metadata.Annotations is not { } annotations
            || !annotations.TryGetValue(AnnotationKeys.SpecHash, out var observedHash)
            || observedHash.Length == 0)
        {
            return true;
        }

        var desiredHash = desired.Metadata.Annotations is { } d && d.TryGetValue(AnnotationKeys.SpecHash, out var stamped) && stamped.Length > 0
            ? stamped
            : Compute(desired);
        return !string.Equals(observedHash, desiredHash, StringComparison.Ordinal);
    }

    private static void HashContainer(ref Fnv1a hash, Container container)
    {
        hash.Write("name=" + container.Name);
        hash.Write("image=" + container.Image);
        foreach (var command in container.Command ?? [])
            hash.Write("cmd=" + command);
        foreach (var arg in container.Args ?? [])
            hash.Write("arg=" + arg);
        foreach (var env in container.Env ?? [])
        {
            hash.Write("env=" + env.Name + "=" + env.Value);
            if (env.ValueFrom is { } valueFrom)
                hash.Write("envValFrom=" + env.Name + "=" + valueFrom.ToJsonString());
        }

        if (container.ExtensionData is { } extension && extension.TryGetValue("envFrom", out var envFrom)
            && envFrom.ValueKind == System.Text.Json.JsonValueKind.Array)
        {
            foreach (var source in envFrom.EnumerateArray())
                hash.Write("envFromSrc=" + source.GetRawText());
        }

        // Go marshals an unset ResourceRequirements struct as {}; null and empty must hash alike.
        hash.Write("res=" + (container.Resources is { } resources
            ? System.Text.Json.JsonSerializer.Serialize(resources, KubernetesJsonContext.Default.ResourceRequirements)
            : "{}"));
        foreach (var mount in container.VolumeMounts ?? [])
            hash.Write("vm=" + System.Text.Json.JsonSerializer.Serialize(mount, KubernetesJsonContext.Default.VolumeMount));
        if (container.SecurityContext is { } securityContext)
            hash.Write("sc=" + securityContext.ToJsonString());
    }

    private static string Json(Volume volume) => System.Text.Json.JsonSerializer.Serialize(volume, KubernetesJsonContext.Default.Volume);

    /// <summary>Incremental FNV-1a 32-bit over UTF-8, the way Go's <c>hash/fnv</c> consumes successive writes.</summary>
    private struct Fnv1a()
    {
        public uint Value { get; private set; } = OffsetBasis;

        public void Write(string? text)
        {
            var value = Value;
            foreach (var b in Encoding.UTF8.GetBytes(text ?? ""))
            {
                value ^= b;
                value *= Prime;
            }

            Value = value;
        }
    }
}
