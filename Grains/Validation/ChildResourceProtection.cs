namespace MultigresOrleans.Grains.Validation;

/// <summary>
/// Cells, TableGroups, Shards and TopoServers are written by the operator from the
/// MultigresCluster; an edit by anyone else would be overwritten or, worse, fight the operator.
/// Only the operator's service account and the two Kubernetes controllers that must delete
/// objects (garbage collector, namespace controller) may create, change or delete them (spec §3.3).
/// Status subresource writes are not routed through this check (the webhook rules do not list them).
/// </summary>
public static class ChildResourceProtection
{
    public const string GarbageCollector = "system:serviceaccount:kube-system:generic-garbage-collector";
    public const string NamespaceController = "system:serviceaccount:kube-system:namespace-controller";

    /// <summary>The username Kubernetes gives a service account.</summary>
    public static string ServiceAccountUser(string @namespace, string serviceAccount) => $"system:serviceaccount:{@namespace}:{serviceAccount}";

    /// <summary>Null when <paramref name="username"/> may write; otherwise the rejection message.</summary>
    public static string? Check(string? username, string? kind, string operatorUser) =>
        username == operatorUser || username == GarbageCollector || username == NamespaceController
            ? null
            : $"direct modification of {(string.IsNullOrEmpty(kind) ? "Resource" : kind)} is prohibited; this resource is managed by the MultigresCluster parent object";
}
