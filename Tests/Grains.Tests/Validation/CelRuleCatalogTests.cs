using System.Text.Json.Nodes;
using MultigresOrleans.Grains.Abstractions.Api;
using MultigresOrleans.Grains.Validation;
using MultigresOrleans.Kubernetes.Schema;
using MultigresOrleans.Kubernetes.Yaml;

namespace MultigresOrleans.Grains.Tests.Validation;

/// <summary>The C# stand-ins for the CRDs' CEL rules: complete, and with the API server's semantics and messages.</summary>
public sealed class CelRuleCatalogTests
{
    private const string Base = """
        apiVersion: multigres.com/v1alpha1
        kind: MultigresCluster
        metadata: {name: demo, namespace: default}
        spec:
          postgresPasswordSecretRef: {name: pw, key: password}
          cells:
            - name: a
              zoneId: use1-az1
            - name: b
              region: us-east-1
          databases:
            - name: postgres
              default: true
              backup:
                type: s3
                s3: {bucket: b, region: r}
                encryption: {secretName: k1}
              tablegroups:
                - name: default
                  default: true
                  shards:
                    - name: 0-inf
                      spec:
                        pools:
                          main: {type: readWrite, cells: [a, b]}
        """;

    [Fact]
    public void Every_rule_of_every_crd_has_an_implementation_and_nothing_else_does()
    {
        var inCrds = MultigresKind.All.SelectMany(k => ValidationRuleWalker.RulesIn(k.Schema)).ToHashSet(StringComparer.Ordinal);
        var missing = inCrds.Where(r => !CelRuleCatalog.Rules.ContainsKey(r)).ToList();
        var unused = CelRuleCatalog.Rules.Keys.Where(r => !inCrds.Contains(r)).ToList();
        Assert.True(missing.Count == 0, "rules without a C# implementation: " + string.Join(" | ", missing));
        Assert.True(unused.Count == 0, "implementations of rules no CRD carries: " + string.Join(" | ", unused));
    }

    [Fact]
    public void The_base_cluster_is_valid()
    {
        Assert.Empty(ManifestValidation.CheckCreate(Cluster()));
    }

    [Theory]
    [InlineData("metadata: {name: demo, namespace: default}", "metadata: {name: a-cluster-name-of-26-chars, namespace: default}", "<root>", "MultigresCluster name must be at most 25 characters", "object")]
    [InlineData("      zoneId: use1-az1\n", "      zoneId: use1-az1\n      region: us-east-1\n", "spec.cells[0]", "cannot specify both 'zoneId' and 'region'", "object")]
    [InlineData("      zoneId: use1-az1\n", "      cellTemplate: t\n", "spec.cells[0]", "at least one of 'zoneId' or 'region' must be specified", "object")]
    [InlineData("      zoneId: use1-az1\n", "      zoneId: use1-az1\n      cellTemplate: t\n      spec: {}\n", "spec.cells[0]", "cannot specify both 'spec' and 'cellTemplate'", "object")]
    [InlineData("    - name: postgres\n", "    - name: app\n", "spec.databases", "in v1alpha1, only the single system database named 'postgres' (marked default: true) is supported", "array")]
    [InlineData("          default: true\n          shards:", "          shards:", "spec.databases[0].tablegroups", "every database must have exactly one tablegroup marked as default", "array")]
    [InlineData("        - name: default\n", "        - name: main\n", "spec.databases[0].tablegroups[0]", "the default tablegroup must be named 'default'", "object")]
    [InlineData("            - name: 0-inf\n", "            - name: 0-80\n", "spec.databases[0].tablegroups[0].shards[0].name", "shardName must be strictly equal to '0-inf' in this version", "string")]
    [InlineData("                  main:", "                  a-pool-name-of-26-characte:", "spec.databases[0].tablegroups[0].shards[0].spec.pools", "pool names must be <= 25 chars", "object")]
    [InlineData("        s3: {bucket: b, region: r}\n", "        s3: {bucket: b, region: r, serviceAccountName: sa, useEnvCredentials: true}\n", "spec.databases[0].backup.s3", "serviceAccountName and useEnvCredentials are mutually exclusive \u2014 IRSA credentials are handled automatically", "object")]
    [InlineData("        s3: {bucket: b, region: r}\n", "        filesystem: {path: /backups}\n", "spec.databases[0].backup", "s3 config is required when type is 's3'", "object")]
    [InlineData("  cells:", "  globalTopoServer: {external: {endpoints: ['etcd:2379']}}\n  cells:", "spec.globalTopoServer.external.endpoints", "endpoints must be valid URLs", "array")]
    [InlineData("  cells:", "  globalTopoServer: {etcd: {replicas: 3}, templateRef: t}\n  cells:", "spec.globalTopoServer", "must specify exactly one of 'etcd', 'external', or 'templateRef'", "object")]
    [InlineData("  cells:", "  globalTopoServer: {etcd: {replicas: 4}}\n  cells:", "spec.globalTopoServer.etcd.replicas", "etcd replicas must be an odd number (1, 3, 5); even numbers provide no additional fault tolerance over the next lower odd number", "integer")]
    [InlineData("  cells:", "  multiadmin: {placement: {tolerations: []}}\n  cells:", "spec.multiadmin", "must specify either 'spec' or 'templateRef'", "object")]
    [InlineData("  cells:", "  externalGateway: {enabled: true, annotations: {multigres.com/x: v}}\n  cells:", "spec.externalGateway", "annotations must not use multigres.com/ prefix (reserved for operator)", "object")]
    [InlineData("      zoneId: use1-az1\n", "      zoneId: use1-az1\n      spec: {localTopoServer: {}}\n", "spec.cells[0].spec.localTopoServer", "must specify either 'etcd' or 'external'", "object")]
    public void A_create_breaking_a_rule_is_rejected_with_its_message_at_its_path(string find, string replace, string path, string message, string type)
    {
        var errors = ManifestValidation.CheckCreate(Cluster(find, replace));
        Assert.True(errors.Count == 1, $"expected exactly one error at {path}; got: [{string.Join("; ", errors)}]");
        Assert.Equal($"{path}: Invalid value: \"{type}\": {message}", errors[0].ToString());
    }

    [Theory]
    [InlineData("    - name: b\n      region: us-east-1\n", "", "spec.cells", "Cells cannot be removed or renamed (Append-Only)")]
    [InlineData("                  main: {type: readWrite, cells: [a, b]}", "                  other: {type: readWrite, cells: [a, b]}", "spec.databases[0].tablegroups[0].shards[0].spec.pools", "Pools cannot be removed or renamed in this version (Append-Only)")]
    [InlineData("cells: [a, b]}", "cells: [a]}", "spec.databases[0].tablegroups[0].shards[0].spec.pools.main.cells", "Cells cannot be removed from a pool (Append-Only)")]
    [InlineData("        encryption: {secretName: k1}\n", "", "spec.databases[0].backup", "encryption is immutable and cannot be added, removed, or changed after creation")]
    [InlineData("{secretName: k1}", "{secretName: k2}", "spec.databases[0].backup", "encryption is immutable and cannot be added, removed, or changed after creation")]
    public void An_update_breaking_a_transition_rule_is_rejected(string find, string replace, string path, string message)
    {
        var old = Cluster();
        var updated = Cluster(find, replace);
        var errors = ManifestValidation.CheckUpdate(updated, old);
        Assert.True(errors.Count == 1, $"expected exactly one error at {path}; got: [{string.Join("; ", errors)}]");
        var error = errors[0];
        Assert.Equal(path, error.Path);
        Assert.EndsWith(message, error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Transition_rules_do_not_run_on_create_or_without_a_correlated_old_value()
    {
        // The database existed before, so its backup is correlated and adding encryption is rejected …
        var old = Cluster("        encryption: {secretName: k1}\n", "");
        var withEncryption = Cluster();
        Assert.Single(ManifestValidation.CheckUpdate(withEncryption, old));

        // … but a database list item that did not exist before has no old self, so its rules pass.
        var oldWithoutDatabases = Cluster();
        oldWithoutDatabases["spec"]!.AsObject().Remove("databases");
        Assert.Empty(ManifestValidation.CheckUpdate(Cluster(), oldWithoutDatabases));

        // Growing append-only collections is fine.
        Assert.Empty(ManifestValidation.CheckUpdate(Cluster("cells: [a, b]}", "cells: [a, b]}\n                  extra: {type: readWrite, cells: [a]}"), Cluster()));
    }

    private static JsonObject Cluster(string? find = null, string? replace = null)
    {
        var yaml = Base;
        if (find is not null)
        {
            Assert.True(yaml.Contains(find, StringComparison.Ordinal), $"test setup: '{find}' not in the base manifest");
            yaml = yaml.Replace(find, replace, StringComparison.Ordinal);
        }
        return YamlJson.Parse(yaml)!.AsObject();
    }
}
