using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using MultigresOrleans.Kubernetes.Client;

namespace MultigresOrleans.Kubernetes.Tests.Client;

/// <summary>
/// Objects as a newer API server returns them (with fields this library does not model) survive
/// a read and a write unchanged: what a read-modify-write relies on.
/// </summary>
public sealed class ModelRoundTripTests
{
    private static void RoundTrips<T>(JsonTypeInfo<T> typeInfo, string json) where T : class
    {
        T? model;
        try
        {
            model = JsonSerializer.Deserialize(json, typeInfo);
        }
        catch (JsonException e)
        {
            throw new InvalidOperationException($"test JSON for {typeof(T).Name} does not parse: {json}", e);
        }
        var back = JsonSerializer.Serialize(model!, typeInfo);
        var expected = JsonNode.Parse(json);
        JsonNode? actual;
        try
        {
            actual = JsonNode.Parse(back);
        }
        catch (JsonException e)
        {
            throw new InvalidOperationException($"{typeof(T).Name} wrote invalid JSON: {back}", e);
        }
        Assert.True(JsonNode.DeepEquals(expected, actual), $"expected {expected!.ToJsonString()}\n     got {actual!.ToJsonString()}");
    }

    private const string Meta = """
        "metadata":{"name":"x","namespace":"n","uid":"u","resourceVersion":"5","generation":2,"creationTimestamp":"2026-01-01T00:00:00Z",
          "labels":{"a":"b"},"ownerReferences":[{"apiVersion":"v1","kind":"K","name":"o","uid":"ou","controller":true}],"futureMetaField":"kept"}
        """;

    [Fact]
    public void Pod() => RoundTrips(KubernetesJsonContext.Default.Pod, $$$$$"""
        {"apiVersion":"v1","kind":"Pod",{{{{{Meta}}}}},
         "spec":{"containers":[{"name":"pg","image":"postgres:17","ports":[{"name":"pg","containerPort":5432,"protocol":"TCP"}],
           "resources":{"requests":{"cpu":"500m","memory":"1Gi"}},"env":[{"name":"A","value":"1"}],"volumeMounts":[{"name":"data","mountPath":"/data"}],
           "readinessProbe":{"exec":{"command":["true"]}},"resizePolicy":[{"resourceName":"cpu","restartPolicy":"NotRequired"}]}],
           "volumes":[{"name":"data","persistentVolumeClaim":{"claimName":"d"}}],"nodeName":"n1","dnsPolicy":"ClusterFirst","schedulerName":"default-scheduler"},
         "status":{"phase":"Running","podIP":"10.0.0.5","conditions":[{"type":"Ready","status":"True","lastTransitionTime":"2026-01-01T00:00:01Z"}],
           "containerStatuses":[{"name":"pg","ready":true,"restartCount":0,"image":"postgres:17","imageID":"sha","started":true,"state":{"running":{"startedAt":"2026-01-01T00:00:01Z"}},"allocatedResources":{"cpu":"500m"}}],
           "qosClass":"Burstable"},
         "someFutureTopLevel":{"x":[1,2]}}
        """);

    [Fact]
    public void StatefulSet() => RoundTrips(KubernetesJsonContext.Default.StatefulSet, $$$$$"""
        {"apiVersion":"apps/v1","kind":"StatefulSet",{{{{{Meta}}}}},
         "spec":{"replicas":3,"serviceName":"db","selector":{"matchLabels":{"app":"db"}},"podManagementPolicy":"Parallel",
           "template":{"metadata":{"labels":{"app":"db"}},"spec":{"containers":[{"name":"c","image":"i"}]}},
           "volumeClaimTemplates":[{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"data"},"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"10Gi"}}}}],
           "persistentVolumeClaimRetentionPolicy":{"whenDeleted":"Retain"},"minReadySeconds":5},
         "status":{"observedGeneration":2,"replicas":3,"readyReplicas":2,"currentRevision":"db-1","collisionCount":0}}
        """);

    [Fact]
    public void Lease_keeps_microsecond_times() => RoundTrips(KubernetesJsonContext.Default.Lease, $$$$$"""
        {"apiVersion":"coordination.k8s.io/v1","kind":"Lease",{{{{{Meta}}}}},
         "spec":{"holderIdentity":"silo-1","leaseDurationSeconds":15,"acquireTime":"2026-01-01T00:00:00.000000Z","renewTime":"2026-01-01T00:00:05.123456Z","leaseTransitions":3}}
        """);

    [Fact]
    public void Secret_and_ConfigMap() 
    {
        RoundTrips(KubernetesJsonContext.Default.Secret, $$$$$"""{"apiVersion":"v1","kind":"Secret",{{{{{Meta}}}}},"type":"kubernetes.io/tls","data":{"tls.crt":"AAEC","tls.key":"/w=="}}""");
        RoundTrips(KubernetesJsonContext.Default.ConfigMap, $$$$$"""{"apiVersion":"v1","kind":"ConfigMap",{{{{{Meta}}}}},"data":{"a":"1"},"binaryData":{"b":"AAEC"}}""");
    }

    [Fact]
    public void Service_pvc_pdb_and_webhooks()
    {
        RoundTrips(KubernetesJsonContext.Default.Service, $$$$$"""
            {"apiVersion":"v1","kind":"Service",{{{{{Meta}}}}},"spec":{"type":"ClusterIP","clusterIP":"None","selector":{"app":"db"},
             "ports":[{"name":"pg","port":5432,"targetPort":"pg","protocol":"TCP"},{"port":80,"targetPort":8080}],"ipFamilies":["IPv4"]},"status":{"loadBalancer":{}}}
            """);
        RoundTrips(KubernetesJsonContext.Default.PersistentVolumeClaim, $$$$$"""
            {"apiVersion":"v1","kind":"PersistentVolumeClaim",{{{{{Meta}}}}},"spec":{"accessModes":["ReadWriteOnce"],"storageClassName":"fast","resources":{"requests":{"storage":"1Gi"}},"volumeMode":"Filesystem"},
             "status":{"phase":"Bound","capacity":{"storage":"1Gi"},"allocatedResources":{"storage":"1Gi"}}}
            """);
        RoundTrips(KubernetesJsonContext.Default.PodDisruptionBudget, $$$$$"""
            {"apiVersion":"policy/v1","kind":"PodDisruptionBudget",{{{{{Meta}}}}},"spec":{"maxUnavailable":1,"selector":{"matchLabels":{"app":"db"}},"unhealthyPodEvictionPolicy":"AlwaysAllow"},
             "status":{"currentHealthy":3,"desiredHealthy":2,"disruptionsAllowed":1,"expectedPods":3,"observedGeneration":2}}
            """);
        RoundTrips(KubernetesJsonContext.Default.ValidatingWebhookConfiguration, $$$$$"""
            {"apiVersion":"admissionregistration.k8s.io/v1","kind":"ValidatingWebhookConfiguration",{{{{{Meta}}}}},
             "webhooks":[{"name":"v.multigres.com","clientConfig":{"service":{"name":"wh","namespace":"n","path":"/validate"},"caBundle":"AAEC"},
               "rules":[{"apiGroups":["multigres.com"],"apiVersions":["v1alpha1"],"operations":["CREATE"],"resources":["cells"]}],
               "admissionReviewVersions":["v1"],"sideEffects":"None","failurePolicy":"Fail","matchPolicy":"Equivalent"}]}
            """);
    }

    [Fact]
    public void Events_namespaces_nodes_storage_and_unknown_kinds()
    {
        RoundTrips(KubernetesJsonContext.Default.EventV1, $$$$$"""
            {"apiVersion":"events.k8s.io/v1","kind":"Event",{{{{{Meta}}}}},"eventTime":"2026-01-01T00:00:00.000001Z","action":"Drain","reason":"Draining","note":"n",
             "type":"Normal","regarding":{"kind":"Pod","name":"p","namespace":"n"},"reportingController":"op","reportingInstance":"op-1","series":{"count":2,"lastObservedTime":"2026-01-01T00:00:02.000000Z"}}
            """);
        RoundTrips(KubernetesJsonContext.Default.CoreEvent, $$$$$"""
            {"apiVersion":"v1","kind":"Event",{{{{{Meta}}}}},"involvedObject":{"kind":"Pod","name":"p"},"reason":"R","message":"m","type":"Warning","count":3,
             "firstTimestamp":"2026-01-01T00:00:00Z","lastTimestamp":"2026-01-01T00:01:00Z","source":{"component":"op"}}
            """);
        RoundTrips(KubernetesJsonContext.Default.Namespace, $$$$$"""{"apiVersion":"v1","kind":"Namespace",{{{{{Meta}}}}},"spec":{"finalizers":["kubernetes"]},"status":{"phase":"Active"}}""");
        RoundTrips(KubernetesJsonContext.Default.Node, $$$$$"""{"apiVersion":"v1","kind":"Node",{{{{{Meta}}}}},"spec":{"podCIDR":"10.0.0.0/24"},"status":{"capacity":{"cpu":"4"},"nodeInfo":{"kubeletVersion":"v1.32.0"}}}""");
        RoundTrips(KubernetesJsonContext.Default.StorageClass, $$$$$"""{"apiVersion":"storage.k8s.io/v1","kind":"StorageClass",{{{{{Meta}}}}},"provisioner":"p","reclaimPolicy":"Delete","volumeBindingMode":"WaitForFirstConsumer","mountOptions":["x"]}""");
        RoundTrips(KubernetesJsonContext.Default.Deployment, $$$$$"""{"apiVersion":"apps/v1","kind":"Deployment",{{{{{Meta}}}}},"spec":{"replicas":1,"template":{"spec":{"containers":[{"name":"c"}]}},"revisionHistoryLimit":3},"status":{"replicas":1}}""");
        RoundTrips(KubernetesJsonContext.Default.GenericObject, $$$$$"""{"apiVersion":"multigres.com/v1alpha1","kind":"Shard",{{{{{Meta}}}}},"spec":{"anything":[1,{"b":null}]},"status":{"phase":"Healthy"}}""");
    }
}
