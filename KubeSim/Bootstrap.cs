using System.Globalization;
using System.Text.Json.Nodes;
using MultigresOrleans.KubeSim.Api;
using MultigresOrleans.KubeSim.Storage;

namespace MultigresOrleans.KubeSim;

/// <summary>
/// What a fresh cluster already has: the system namespaces, a default StorageClass, and nodes
/// spread over zones with the well-known topology labels (so zone-aware checks can be exercised).
/// </summary>
internal static class Bootstrap
{
    public static readonly string[] Zones = ["zone-a", "zone-b", "zone-c"];

    public static async Task SeedAsync(ResourceService service, KubeSimOptions options, CancellationToken ct)
    {
        var ctx = RequestContext.Internal("kubesim-bootstrap");
        var namespaces = service.Registry.Find("", "v1", "namespaces")!;
        foreach (var ns in new[] { "default", "kube-system", "kube-public", "kube-node-lease" })
            await service.CreateAsync(namespaces, "", new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = ns } }, ctx, ct);

        var storageClasses = service.Registry.Find("storage.k8s.io", "v1", "storageclasses")!;
        await service.CreateAsync(storageClasses, "", new JsonObject
        {
            ["apiVersion"] = "storage.k8s.io/v1",
            ["kind"] = "StorageClass",
            ["metadata"] = new JsonObject
            {
                ["name"] = "standard",
                ["annotations"] = new JsonObject { ["storageclass.kubernetes.io/is-default-class"] = "true" },
            },
            ["provisioner"] = "kubesim.io/hostpath",
            ["reclaimPolicy"] = "Delete",
            ["volumeBindingMode"] = "Immediate",
            ["allowVolumeExpansion"] = true,
        }, ctx, ct);

        var nodes = service.Registry.Find("", "v1", "nodes")!;
        for (var i = 0; i < options.Nodes; i++)
        {
            var name = $"kubesim-node-{i + 1}";
            var zone = Zones[i % Zones.Length];
            await service.CreateAsync(nodes, "", new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "Node",
                ["metadata"] = new JsonObject
                {
                    ["name"] = name,
                    ["labels"] = new JsonObject
                    {
                        ["kubernetes.io/hostname"] = name,
                        ["kubernetes.io/os"] = "linux",
                        ["kubernetes.io/arch"] = "amd64",
                        ["topology.kubernetes.io/region"] = "kubesim-region",
                        ["topology.kubernetes.io/zone"] = zone,
                        ["type"] = "kwok",
                    },
                },
                ["spec"] = new JsonObject(),
            }, ctx, ct);
            var node = service.Store.Get(nodes.StorageKey, "", name)!;
            node["status"] = new JsonObject
            {
                ["capacity"] = new JsonObject { ["cpu"] = "32", ["memory"] = "256Gi", ["pods"] = "110" },
                ["allocatable"] = new JsonObject { ["cpu"] = "32", ["memory"] = "256Gi", ["pods"] = "110" },
                ["conditions"] = new JsonArray(new JsonObject
                {
                    ["type"] = "Ready",
                    ["status"] = "True",
                    ["reason"] = "KubeletReady",
                    ["message"] = "kubesim kubelet is posting ready status",
                    ["lastHeartbeatTime"] = ResourceService.Timestamp(service.Time.GetUtcNow()),
                    ["lastTransitionTime"] = ResourceService.Timestamp(service.Time.GetUtcNow()),
                }),
                ["addresses"] = new JsonArray(new JsonObject { ["type"] = "InternalIP", ["address"] = string.Create(CultureInfo.InvariantCulture, $"10.0.0.{i + 10}") }),
                ["nodeInfo"] = new JsonObject { ["kubeletVersion"] = KubeSimVersion.GitVersion, ["operatingSystem"] = "linux", ["architecture"] = "amd64" },
            };
            service.Store.Put(nodes.StorageKey, "", name, node, ObjectStore.ResourceVersionOf(node));
        }
    }
}
