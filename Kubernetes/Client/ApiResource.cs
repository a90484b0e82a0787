using System.Text;

namespace MultigresOrleans.Kubernetes.Client;

/// <summary>
/// One REST resource of an API server: group, version, plural name and scope. This is all the
/// client needs to build a path, so any resource works, built-in or custom, typed or not.
/// </summary>
/// <param name="Group">API group; empty for the core ("legacy") group served under <c>/api</c>.</param>
/// <param name="Version">API version, e.g. <c>v1</c>.</param>
/// <param name="Plural">Lower-case plural resource name, e.g. <c>pods</c>.</param>
/// <param name="Namespaced">Whether objects live in a namespace.</param>
/// <param name="Kind">The kind of a single object, when known (used for messages and apply bodies).</param>
public sealed record ApiResource(string Group, string Version, string Plural, bool Namespaced, string? Kind = null)
{
    /// <summary><c>group/version</c>, or just <c>version</c> for the core group.</summary>
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>Resource label used in metrics and logs: <c>plural.group</c> or <c>plural</c>.</summary>
    public string DisplayName => Group.Length == 0 ? Plural : $"{Plural}.{Group}";

    /// <summary>
    /// The request path for a collection (name null) or one object, optionally a subresource.
    /// A null namespace on a namespaced resource addresses all namespaces (list and watch only).
    /// </summary>
    public string Path(string? @namespace = null, string? name = null, string? subresource = null)
    {
        if (subresource is not null && name is null)
            throw new ArgumentException("a subresource needs an object name", nameof(subresource));
        if (!Namespaced && @namespace is not null)
            throw new ArgumentException($"{DisplayName} is cluster-scoped; no namespace may be given", nameof(@namespace));

        var sb = new StringBuilder(64);
        sb.Append(Group.Length == 0 ? "/api/" : "/apis/");
        if (Group.Length > 0) sb.Append(Escape(Group)).Append('/');
        sb.Append(Escape(Version));
        if (@namespace is not null) sb.Append("/namespaces/").Append(Escape(@namespace));
        sb.Append('/').Append(Escape(Plural));
        if (name is not null) sb.Append('/').Append(Escape(name));
        if (subresource is not null) sb.Append('/').Append(Escape(subresource));
        return sb.ToString();
    }

    private static string Escape(string segment)
    {
        if (segment.Length == 0) throw new ArgumentException("a path segment may not be empty");
        // "." and ".." would be collapsed by URI normalisation and address a different object.
        if (segment is "." or "..") throw new ArgumentException($"'{segment}' is not a valid path segment");
        return Uri.EscapeDataString(segment);
    }
}

/// <summary>The built-in resources this library has models for.</summary>
public static class KnownResources
{
    public static readonly ApiResource Pods = new("", "v1", "pods", true, "Pod");
    public static readonly ApiResource PersistentVolumeClaims = new("", "v1", "persistentvolumeclaims", true, "PersistentVolumeClaim");
    public static readonly ApiResource Services = new("", "v1", "services", true, "Service");
    public static readonly ApiResource ConfigMaps = new("", "v1", "configmaps", true, "ConfigMap");
    public static readonly ApiResource Secrets = new("", "v1", "secrets", true, "Secret");
    public static readonly ApiResource Events = new("", "v1", "events", true, "Event");
    public static readonly ApiResource EventsV1 = new("events.k8s.io", "v1", "events", true, "Event");
    public static readonly ApiResource Namespaces = new("", "v1", "namespaces", false, "Namespace");
    public static readonly ApiResource Nodes = new("", "v1", "nodes", false, "Node");
    public static readonly ApiResource StorageClasses = new("storage.k8s.io", "v1", "storageclasses", false, "StorageClass");
    public static readonly ApiResource Deployments = new("apps", "v1", "deployments", true, "Deployment");
    public static readonly ApiResource StatefulSets = new("apps", "v1", "statefulsets", true, "StatefulSet");
    public static readonly ApiResource PodDisruptionBudgets = new("policy", "v1", "poddisruptionbudgets", true, "PodDisruptionBudget");
    public static readonly ApiResource Leases = new("coordination.k8s.io", "v1", "leases", true, "Lease");
    public static readonly ApiResource MutatingWebhookConfigurations = new("admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations", false, "MutatingWebhookConfiguration");
    public static readonly ApiResource ValidatingWebhookConfigurations = new("admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations", false, "ValidatingWebhookConfiguration");
    public static readonly ApiResource CustomResourceDefinitions = new("apiextensions.k8s.io", "v1", "customresourcedefinitions", false, "CustomResourceDefinition");
}
