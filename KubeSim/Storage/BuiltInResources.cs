namespace MultigresOrleans.KubeSim.Storage;

/// <summary>
/// The built-in types KubeSim serves: those the operator touches, with the short names and
/// categories kubectl users type (`kubectl get deploy`, `kubectl get all`).
/// </summary>
public static class BuiltInResources
{
    private static ScalePaths ReplicaScale => new(".spec.replicas", ".status.replicas", ".status.selector");

    public static IReadOnlyList<ResourceType> All { get; } =
    [
        Core("namespaces", "Namespace", namespaced: false, status: true, shortNames: ["ns"]),
        Core("configmaps", "ConfigMap", shortNames: ["cm"]),
        Core("secrets", "Secret"),
        Core("services", "Service", status: true, shortNames: ["svc"], categories: ["all"]),
        Core("pods", "Pod", status: true, shortNames: ["po"], categories: ["all"]),
        Core("persistentvolumeclaims", "PersistentVolumeClaim", status: true, shortNames: ["pvc"]),
        Core("persistentvolumes", "PersistentVolume", namespaced: false, status: true, shortNames: ["pv"]),
        Core("nodes", "Node", namespaced: false, status: true, shortNames: ["no"]),
        Core("serviceaccounts", "ServiceAccount", shortNames: ["sa"]),
        Core("events", "Event", shortNames: ["ev"]),
        Core("endpoints", "Endpoints", shortNames: ["ep"]),
        new() { Group = "apps", Version = "v1", Plural = "deployments", Kind = "Deployment", Namespaced = true, HasStatus = true, TracksGeneration = true, Scale = ReplicaScale, ShortNames = ["deploy"], Categories = ["all"] },
        new() { Group = "apps", Version = "v1", Plural = "statefulsets", Kind = "StatefulSet", Namespaced = true, HasStatus = true, TracksGeneration = true, Scale = ReplicaScale, ShortNames = ["sts"], Categories = ["all"] },
        new() { Group = "apps", Version = "v1", Plural = "replicasets", Kind = "ReplicaSet", Namespaced = true, HasStatus = true, TracksGeneration = true, Scale = ReplicaScale, ShortNames = ["rs"], Categories = ["all"] },
        new() { Group = "policy", Version = "v1", Plural = "poddisruptionbudgets", Kind = "PodDisruptionBudget", Namespaced = true, HasStatus = true, TracksGeneration = true, ShortNames = ["pdb"] },
        new() { Group = "coordination.k8s.io", Version = "v1", Plural = "leases", Kind = "Lease", Namespaced = true },
        new() { Group = "events.k8s.io", Version = "v1", Plural = "events", Kind = "Event", Namespaced = true, ShortNames = ["ev"] },
        new() { Group = "admissionregistration.k8s.io", Version = "v1", Plural = "mutatingwebhookconfigurations", Kind = "MutatingWebhookConfiguration", Namespaced = false, TracksGeneration = true },
        new() { Group = "admissionregistration.k8s.io", Version = "v1", Plural = "validatingwebhookconfigurations", Kind = "ValidatingWebhookConfiguration", Namespaced = false, TracksGeneration = true },
        new() { Group = "storage.k8s.io", Version = "v1", Plural = "storageclasses", Kind = "StorageClass", Namespaced = false, ShortNames = ["sc"] },
        new() { Group = "apiextensions.k8s.io", Version = "v1", Plural = "customresourcedefinitions", Kind = "CustomResourceDefinition", Namespaced = false, HasStatus = true, TracksGeneration = true, ShortNames = ["crd", "crds"], Categories = ["api-extensions"] },
        new() { Group = "authorization.k8s.io", Version = "v1", Plural = "selfsubjectaccessreviews", Kind = "SelfSubjectAccessReview", Namespaced = false },
        new() { Group = "rbac.authorization.k8s.io", Version = "v1", Plural = "roles", Kind = "Role", Namespaced = true },
        new() { Group = "rbac.authorization.k8s.io", Version = "v1", Plural = "rolebindings", Kind = "RoleBinding", Namespaced = true },
        new() { Group = "rbac.authorization.k8s.io", Version = "v1", Plural = "clusterroles", Kind = "ClusterRole", Namespaced = false },
        new() { Group = "rbac.authorization.k8s.io", Version = "v1", Plural = "clusterrolebindings", Kind = "ClusterRoleBinding", Namespaced = false },
    ];

    private static ResourceType Core(string plural, string kind, bool namespaced = true, bool status = false,
        string[]? shortNames = null, string[]? categories = null) => new()
    {
        Group = "",
        Version = "v1",
        Plural = plural,
        Kind = kind,
        Namespaced = namespaced,
        HasStatus = status,
        TracksGeneration = false,
        ShortNames = shortNames ?? [],
        Categories = categories ?? [],
    };

    /// <summary>Resources whose DELETE answers with the deleted object rather than a Success Status.</summary>
    public static bool ReturnsDeletedObject(ResourceType type) => !type.IsCustom && type.Plural is "pods" or "services" or "namespaces" or "nodes" or "persistentvolumeclaims";
}
