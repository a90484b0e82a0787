using MultigresOrleans.Grains.Abstractions.Api;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Validation;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Grains.Tests.Validation;

/// <summary>The resolver-independent checks of spec §3.1 and §3.3, with the reference's exact messages.</summary>
public sealed class ClusterRulesTests
{
    private static MultigresClusterSpec Spec(string yamlSpec) =>
        ((MultigresCluster)ManifestReader.ReadAll($"""
            apiVersion: multigres.com/v1alpha1
            kind: MultigresCluster
            metadata: {"{"}name: c, namespace: ns{"}"}
            spec:
              postgresPasswordSecretRef: {"{"}name: pw, key: password{"}"}
            {yamlSpec}
            """)[0].Object!).Spec;

    private static MultigresClusterSpec PoolSize(string size, bool inOverrides = false) => Spec($"""
          databases:
            - name: postgres
              default: true
              tablegroups:
                - name: default
                  default: true
                  shards:
                    - name: 0-inf
                      {(inOverrides ? "overrides" : "spec")}:
                        pools:
                          main: {"{"}storage: {"{"}size: "{size}"{"}"}{"}"}
        """);

    [Theory]
    [InlineData("100Gi", "50Gi", "storage.size cannot be decreased (postgres/default/0-inf/main: 100Gi \u2192 50Gi); PVC shrink is not supported by Kubernetes")]
    [InlineData("1Gi", "1000Mi", "storage.size cannot be decreased (postgres/default/0-inf/main: 1Gi \u2192 1000Mi); PVC shrink is not supported by Kubernetes")]
    [InlineData("1Gi", "1024Mi", null)]
    [InlineData("10Gi", "20Gi", null)]
    [InlineData("10Gi", "10Xi", null)]
    public void Storage_may_grow_but_not_shrink(string before, string after, string? expected)
    {
        Assert.Equal(expected, ClusterUpdateRules.StorageShrink(PoolSize(before), PoolSize(after)));
        Assert.Equal(expected, ClusterUpdateRules.StorageShrink(PoolSize(before, inOverrides: true), PoolSize(after, inOverrides: true)));
    }

    [Theory]
    [InlineData("", "", null)]
    [InlineData("  globalTopoServer: {etcd: {replicas: 3}}", "", null)]
    [InlineData("  globalTopoServer: {etcd: {replicas: 3}}", "  globalTopoServer: {etcd: {replicas: 5}}", "topology server (etcd) replicas cannot be changed after cluster creation (3 \u2192 5); etcd uses static bootstrap which does not support dynamic member addition")]
    [InlineData("", "  globalTopoServer: {etcd: {replicas: 1}}", "topology server (etcd) replicas cannot be changed after cluster creation (3 \u2192 1); etcd uses static bootstrap which does not support dynamic member addition")]
    [InlineData("  globalTopoServer: {external: {endpoints: ['http://e:2379']}}", "  globalTopoServer: {etcd: {replicas: 5}}", null)]
    [InlineData("  globalTopoServer: {templateRef: core}", "  globalTopoServer: {templateRef: other}", null)]
    public void Etcd_replicas_cannot_change_inline(string before, string after, string? expected)
    {
        Assert.Equal(expected, ClusterUpdateRules.EtcdReplicasChanged(Spec(before), Spec(after)));
    }

    [Fact]
    public void A_single_etcd_replica_warns_only_when_inline()
    {
        Assert.Single(TopologyWarnings.SingleEtcdReplica(Spec("  globalTopoServer: {etcd: {replicas: 1}}")));
        Assert.Empty(TopologyWarnings.SingleEtcdReplica(Spec("  globalTopoServer: {templateRef: single}")));
        Assert.Empty(TopologyWarnings.SingleEtcdReplica(Spec("")));
        Assert.StartsWith("etcd has 1 replica \u2014 no fault tolerance.", TopologyWarnings.SingleEtcdReplica(Spec("  globalTopoServer: {etcd: {replicas: 1}}"))[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Cells_whose_zone_or_region_no_node_carries_are_warned_about()
    {
        var spec = Spec("""
              cells:
                - {name: a, zoneId: use1-az1}
                - {name: b, zoneId: use1-az2}
                - {name: c, region: eu-west-1}
            """);
        var nodes = new List<IReadOnlyDictionary<string, string>>
        {
            new Dictionary<string, string> { ["topology.k8s.aws/zone-id"] = "use1-az1", ["topology.kubernetes.io/region"] = "us-east-1" },
        };
        Assert.Equal(
            [
                "cell 'b': no nodes currently match topology.k8s.aws/zone-id=use1-az2; pods will be Pending until matching nodes are available",
                "cell 'c': no nodes currently match topology.kubernetes.io/region=eu-west-1; pods will be Pending until matching nodes are available",
            ],
            TopologyWarnings.UnmatchedCells(spec, nodes));
        Assert.Empty(TopologyWarnings.UnmatchedCells(spec, nodeLabels: null));
    }

    [Fact]
    public void External_endpoints_warn_without_ips_and_reject_bad_ips()
    {
        var noIps = ExternalEndpointRules.Check(Spec("  externalGateway: {enabled: true}\n  externalAdminWeb: {enabled: true}"));
        Assert.True(noIps.IsAllowed);
        Assert.Equal(
            [
                "externalGateway is enabled but no externalIPs specified; endpoint resolution depends on an external load balancer controller provisioning an ingress address on the global multigateway Service",
                "externalAdminWeb is enabled but no externalIPs specified; endpoint resolution depends on an external load balancer controller provisioning an ingress address on the multiadmin-web Service",
            ],
            noIps.Warnings);

        var bad = ExternalEndpointRules.Check(Spec("  externalAdminWeb: {enabled: true, externalIPs: ['10.0.0.1', '999.1.1.1']}"));
        Assert.Equal("externalAdminWeb.externalIPs contains invalid IP address: \"999.1.1.1\"", bad.Error);

        var disabled = ExternalEndpointRules.Check(Spec("  externalGateway: {enabled: false}"));
        Assert.True(disabled.IsAllowed);
        Assert.Empty(disabled.Warnings);
    }

    [Theory]
    [InlineData("10.0.0.1", true)]
    [InlineData("255.255.255.255", true)]
    [InlineData("2001:db8::1", true)]
    [InlineData("::1", true)]
    [InlineData("1", false)]
    [InlineData("01.2.3.4", false)]
    [InlineData("256.1.1.1", false)]
    [InlineData("1.2.3", false)]
    [InlineData("fe80::1%eth0", false)]
    [InlineData("example.com", false)]
    public void Ip_addresses_are_read_like_go_net_ParseIP(string text, bool valid)
    {
        Assert.Equal(valid, ExternalEndpointRules.IsIpAddress(text));
    }

    [Fact]
    public void Inline_global_components_need_limits_at_least_their_requests()
    {
        Assert.Null(ResourceSanityRule.CheckInlineGlobalComponents(Spec("  multiadmin: {spec: {resources: {requests: {cpu: 100m}, limits: {cpu: 200m}}}}")));
        Assert.Equal("multiadmin: resource cpu limit (100m) must be >= request (0.2)",
            ResourceSanityRule.CheckInlineGlobalComponents(Spec("  multiadmin: {spec: {resources: {requests: {cpu: '0.2'}, limits: {cpu: 100m}}}}")));
        Assert.Equal("etcd: resource memory limit (256Mi) must be >= request (1Gi)",
            ResourceSanityRule.CheckInlineGlobalComponents(Spec("  globalTopoServer: {etcd: {resources: {requests: {memory: 1Gi}, limits: {memory: 256Mi}}}}\n  multiadminWeb: {spec: {resources: {requests: {cpu: 2}, limits: {cpu: 1}}}}")));
        Assert.Equal("multiadmin-web: resource cpu limit (1) must be >= request (2)",
            ResourceSanityRule.CheckInlineGlobalComponents(Spec("  multiadminWeb: {spec: {resources: {requests: {cpu: 2}, limits: {cpu: 1}}}}")));
    }

    [Fact]
    public void Only_the_operator_and_kubernetes_controllers_may_write_children()
    {
        var operatorUser = ChildResourceProtection.ServiceAccountUser("multigres-operator", "multigres-operator-controller-manager");
        Assert.Equal("system:serviceaccount:multigres-operator:multigres-operator-controller-manager", operatorUser);
        Assert.Null(ChildResourceProtection.Check(operatorUser, "Shard", operatorUser));
        Assert.Null(ChildResourceProtection.Check("system:serviceaccount:kube-system:generic-garbage-collector", "Shard", operatorUser));
        Assert.Null(ChildResourceProtection.Check("system:serviceaccount:kube-system:namespace-controller", "Cell", operatorUser));
        Assert.Equal("direct modification of Shard is prohibited; this resource is managed by the MultigresCluster parent object",
            ChildResourceProtection.Check("kubernetes-admin", "Shard", operatorUser));
        Assert.Equal("direct modification of Resource is prohibited; this resource is managed by the MultigresCluster parent object",
            ChildResourceProtection.Check("system:serviceaccount:default:default", "", operatorUser));
    }
}
