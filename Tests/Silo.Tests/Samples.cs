namespace MultigresOrleans.Silo.Tests;

/// <summary>Manifests the end-to-end tests apply, built from deploy/samples where one fits.</summary>
internal static class Samples
{
    /// <summary>deploy/samples/minimal.yaml in <paramref name="ns"/>, optionally renamed; pruning off for clusters that share the test etcd with `minimal`.</summary>
    public static string Minimal(string ns, string name = "minimal", bool pruneTopology = true)
    {
        var text = File.ReadAllText(Path.Combine(RepositoryPaths.Samples, "minimal.yaml"))
            .Replace("namespace: default", $"namespace: {ns}", StringComparison.Ordinal)
            .Replace("  name: minimal\n", $"  name: {name}\n", StringComparison.Ordinal);
        return pruneTopology ? text : text.Replace("spec:\n", "spec:\n  topologyPruning:\n    enabled: false\n", StringComparison.Ordinal);
    }

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
          topologyPruning:
            enabled: false
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
