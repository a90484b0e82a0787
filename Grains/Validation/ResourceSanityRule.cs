using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Grains.Validation;

/// <summary>
/// A container limit below its request is refused by the kubelet only when the pod is created,
/// long after the user applied the cluster; the webhook says so at admission instead (spec §3.1
/// 0e, 0f and steps 1–4, which share this check with different subjects).
/// </summary>
public static class ResourceSanityRule
{
    /// <summary>
    /// The first resource (by name) whose limit is below its request, as
    /// <c>&lt;subject&gt;: resource &lt;res&gt; limit (&lt;lim&gt;) must be &gt;= request (&lt;req&gt;)</c>; null when none is.
    /// Quantities are echoed as written (the reference prints Go's canonical form, e.g. <c>0.5</c> as <c>500m</c>).
    /// Unparseable quantities are left to the schema and the kubelet.
    /// </summary>
    public static string? Check(string subject, ResourceRequirements? resources)
    {
        if (resources?.Limits is null || resources.Requests is null)
            return null;
        foreach (var (name, limit) in resources.Limits.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (!resources.Requests.TryGetValue(name, out var request))
                continue;
            if (limit.TryGetValue(out var l) && request.TryGetValue(out var r) && l < r)
                return $"{subject}: resource {name} limit ({limit}) must be >= request ({request})";
        }
        return null;
    }

    /// <summary>Step 0e: the raw inline specs of the global components, in the reference's order.</summary>
    public static string? CheckInlineGlobalComponents(MultigresClusterSpec spec) =>
        Check("etcd", spec.GlobalTopoServer?.Etcd?.Resources)
        ?? Check("multiadmin", spec.Multiadmin?.Spec?.Resources)
        ?? Check("multiadmin-web", spec.MultiadminWeb?.Spec?.Resources);
}
