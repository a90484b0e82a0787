namespace MultigresOrleans.Silo.Tests;

/// <summary>Manifests the end-to-end tests apply, built from deploy/samples where one fits.</summary>
internal static class Samples
{
    /// <summary>
    /// deploy/samples/minimal.yaml in <paramref name="ns"/>, optionally renamed. Every test cluster dials the
    /// one test etcd, so a renamed cluster keeps its topology under its own root (<c>/multigres/&lt;name&gt;</c>)
    /// and cannot overwrite or prune the records another test asserts on.
    /// </summary>
    public static string Minimal(string ns, string name = "minimal")
    {
        var text = File.ReadAllText(Path.Combine(RepositoryPaths.Samples, "minimal.yaml"))
            .Replace("namespace: default", $"namespace: {ns}", StringComparison.Ordinal)
            .Replace("  name: minimal\n", $"  name: {name}\n", StringComparison.Ordinal);
        return name == "minimal" ? text : text.Replace("spec:\n", $"spec:\n{OwnRoot(name)}", StringComparison.Ordinal);
    }

    /// <summary>eks-multi-az.yaml with its CoreTemplate's global etcd rooted at <c>/multigres/eks-demo</c> (see <see cref="Minimal"/>).</summary>
    public static string EksMultiAz() =>
        File.ReadAllText(Path.Combine(RepositoryPaths.Samples, "eks-multi-az.yaml"))
            .Replace("  globalTopoServer:\n    etcd:\n", "  globalTopoServer:\n    etcd:\n      rootPath: /multigres/eks-demo\n", StringComparison.Ordinal);

    private static string OwnRoot(string name) => $"  globalTopoServer:\n    etcd:\n      rootPath: /multigres/{name}\n";

    /// <summary>A cluster with the default table group and, optionally, a second one named `extra`.</summary>
    public static string WithExtraTableGroup(string ns, string name, bool includeExtra) => $"""
        apiVersion: v1
        kind: Secret
        metadata:
          name: multigres-admin-password
          namespace: {ns}
        type: Opaque
        stringData:
          password: postgres
        ---
        apiVersion: multigres.com/v1alpha1
        kind: MultigresCluster
        metadata:
          name: {name}
          namespace: {ns}
        spec:
          globalTopoServer:
            etcd:
              rootPath: /multigres/{name}
          postgresPasswordSecretRef:
            name: multigres-admin-password
            key: password
          cells:
            - name: zone-a
              zoneId: us-central1-a
          databases:
            - name: postgres
              default: true
              tablegroups:
                - name: default
                  default: true
                  shards:
                    - name: 0-inf
        {(includeExtra ? "        - name: extra\n          shards:\n            - name: 0-inf\n" : "")}
        """;
}
