using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using MultigresOrleans.KubeSim.Api;
using MultigresOrleans.KubeSim.Http;
using MultigresOrleans.KubeSim.Storage;

namespace MultigresOrleans.KubeSim.Controllers;

/// <summary>
/// A KWOK-like kubelet, scheduler and workload controllers, driven by the store's change stream:
/// pods are scheduled onto the simulated nodes (honouring nodeSelector), get an IP, and become
/// Running and Ready after <see cref="KubeSimOptions.PodStartupDelay"/> on the injected clock;
/// StatefulSets and Deployments create and delete pods and report replica counts; PVCs bind (and
/// report expansions); PDBs report status. Annotations on a pod steer it for tests:
/// `kubesim.io/fail: "true"` makes it fail, `kubesim.io/unready: "true"` keeps it unready.
/// </summary>
public sealed partial class SimulatedCluster(ResourceService service, KubeSimOptions options, ILogger<SimulatedCluster> logger) : StoreEventController(service)
{
    public const string FailAnnotation = "kubesim.io/fail";
    public const string UnreadyAnnotation = "kubesim.io/unready";

    private static readonly RequestContext Kubelet = RequestContext.Internal("kubesim-kubelet");
    private static readonly RequestContext Controller = RequestContext.Internal("kubesim-controller-manager");
    private readonly ConcurrentDictionary<string, byte> starting = new(StringComparer.Ordinal);
    private int nextPodIp;
    private int nextNode;

    private ResourceType Type(string group, string plural) => Service.Registry.Find(group, "v1", plural)!;

    protected override void OnHandlerFailed(WatchEvent e, Exception error) => LogFailure(e.StorageKey, e.Namespace, e.Name, error.Message);

    protected override async Task HandleAsync(WatchEvent e, CancellationToken ct)
    {
        switch (e.StorageKey)
        {
            case "pods":
                if (e.Type != WatchEvent.Deleted)
                    await ReconcilePodAsync(e.Object, ct);
                if (ControllerOf(e.Object) is { } owner)
                    await ReconcileWorkloadByNameAsync(owner.Kind, e.Namespace, owner.Name, ct);
                await ReconcileDisruptionBudgetsAsync(e.Namespace, ct);
                break;
            // Workloads reconcile from the stored object, not the event's copy: an event queued before
            // a newer write (say, a status update made before a scale-down) must not act on old state
            // after the newer one was acted on — it would recreate a pod the scale-down removed.
            case "statefulsets.apps" when e.Type != WatchEvent.Deleted:
                await ReconcileWorkloadByNameAsync("StatefulSet", e.Namespace, e.Name, ct);
                break;
            case "deployments.apps" when e.Type != WatchEvent.Deleted:
                await ReconcileWorkloadByNameAsync("Deployment", e.Namespace, e.Name, ct);
                break;
            case "persistentvolumeclaims" when e.Type != WatchEvent.Deleted:
                await ReconcileClaimAsync(e.Object, ct);
                break;
            case "poddisruptionbudgets.policy" when e.Type != WatchEvent.Deleted:
                await ReconcileDisruptionBudgetsAsync(e.Namespace, ct);
                break;
        }
    }

    // ---- kubelet and scheduler ----

    private async Task ReconcilePodAsync(JsonObject pod, CancellationToken ct)
    {
        var meta = pod["metadata"]!;
        if (meta["deletionTimestamp"] is not null)
            return;
        var ns = meta["namespace"]!.GetValue<string>();
        var name = meta["name"]!.GetValue<string>();
        var phase = pod["status"]?["phase"]?.GetValue<string>();
        if (pod["spec"]?["nodeName"] is null)
        {
            var node = PickNode(pod);
            if (node is null)
                return;
            var ip = Interlocked.Increment(ref nextPodIp);
            await PatchAsync(Type("", "pods"), ns, name, new JsonObject { ["spec"] = new JsonObject { ["nodeName"] = node.Value.Name } }, "", ct);
            await PatchAsync(Type("", "pods"), ns, name, new JsonObject
            {
                ["status"] = new JsonObject
                {
                    ["phase"] = "Pending",
                    ["hostIP"] = node.Value.Ip,
                    ["podIP"] = PodIp(ip),
                    ["podIPs"] = new JsonArray(new JsonObject { ["ip"] = PodIp(ip) }),
                    ["startTime"] = Now(),
                    ["conditions"] = new JsonArray(Condition("PodScheduled", "True")),
                },
            }, "status", ct);
            ScheduleStart(ns, name, meta["uid"]!.GetValue<string>());
            return;
        }
        if (phase is null or "Pending" && !starting.ContainsKey(meta["uid"]!.GetValue<string>()))
            ScheduleStart(ns, name, meta["uid"]!.GetValue<string>());
        else if (phase == "Running")
            await ApplyPodKnobsAsync(pod, ns, name, ct);
    }

    private void ScheduleStart(string ns, string name, string uid)
    {
        if (!starting.TryAdd(uid, 0))
            return;
        _ = StartLaterAsync(ns, name, uid);
    }

    /// <summary>The container "starts" after the configured delay on the injected clock.</summary>
    private async Task StartLaterAsync(string ns, string name, string uid)
    {
        try
        {
            if (options.PodStartupDelay > TimeSpan.Zero)
                await Task.Delay(options.PodStartupDelay, Service.Time, Stopping);
            var pod = Service.Store.Get("pods", ns, name);
            if (pod is null || pod["metadata"]?["uid"]?.GetValue<string>() != uid || pod["metadata"]?["deletionTimestamp"] is not null)
                return;
            await SetPodStatusAsync(pod, ns, name, Stopping);
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogFailure("pods", ns, name, e.Message);
        }
        finally
        {
            starting.TryRemove(uid, out _);
        }
    }

    private Task ApplyPodKnobsAsync(JsonObject pod, string ns, string name, CancellationToken ct) => SetPodStatusAsync(pod, ns, name, ct);

    private async Task SetPodStatusAsync(JsonObject pod, string ns, string name, CancellationToken ct)
    {
        var annotations = pod["metadata"]?["annotations"] as JsonObject;
        var fail = annotations?[FailAnnotation]?.GetValue<string>() == "true";
        var ready = !fail && annotations?[UnreadyAnnotation]?.GetValue<string>() != "true";
        var containers = pod["spec"]?["containers"] as JsonArray ?? [];
        var started = pod["status"]?["containerStatuses"]?[0]?["state"]?["running"]?["startedAt"]?.GetValue<string>() ?? Now();
        var statuses = new JsonArray();
        foreach (var c in containers.OfType<JsonObject>())
        {
            statuses.Add(new JsonObject
            {
                ["name"] = c["name"]?.DeepClone(),
                ["image"] = c["image"]?.DeepClone(),
                ["imageID"] = "kubesim://" + c["image"],
                ["ready"] = ready,
                ["started"] = !fail,
                ["restartCount"] = 0,
                ["state"] = fail
                    ? new JsonObject { ["terminated"] = new JsonObject { ["exitCode"] = 1, ["reason"] = "Error", ["finishedAt"] = Now() } }
                    : new JsonObject { ["running"] = new JsonObject { ["startedAt"] = started } },
            });
        }
        var readyText = ready ? "True" : "False";
        var existing = pod["status"]?["conditions"] as JsonArray ?? [];
        var status = new JsonObject
        {
            ["phase"] = fail ? "Failed" : "Running",
            ["conditions"] = new JsonArray(
                KeepTransition(existing, "PodScheduled", "True"),
                KeepTransition(existing, "Initialized", "True"),
                KeepTransition(existing, "ContainersReady", readyText),
                KeepTransition(existing, "Ready", readyText)),
            ["containerStatuses"] = statuses,
        };
        await PatchAsync(Type("", "pods"), ns, name, new JsonObject { ["status"] = status }, "status", ct);
    }

    private (string Name, string Ip)? PickNode(JsonObject pod)
    {
        var selector = pod["spec"]?["nodeSelector"] as JsonObject;
        var (nodes, _) = Service.Store.List("nodes", null);
        var candidates = nodes.Where(n => n["spec"]?["unschedulable"] is null &&
            (selector ?? []).All(p => n["metadata"]?["labels"]?[p.Key]?.GetValue<string>() == p.Value?.GetValue<string>())).ToList();
        if (candidates.Count == 0)
            return null;
        var node = candidates[Interlocked.Increment(ref nextNode) % candidates.Count];
        var ip = node["status"]?["addresses"]?[0]?["address"]?.GetValue<string>() ?? "10.0.0.1";
        return (node["metadata"]!["name"]!.GetValue<string>(), ip);
    }

    // ---- workloads ----

    private async Task ReconcileWorkloadByNameAsync(string kind, string ns, string name, CancellationToken ct)
    {
        var key = kind switch { "StatefulSet" => "statefulsets.apps", "Deployment" => "deployments.apps", _ => null };
        if (key is null || Service.Store.Get(key, ns, name) is not { } workload)
            return;
        if (kind == "StatefulSet")
            await ReconcileStatefulSetAsync(workload, ct);
        else
            await ReconcileDeploymentAsync(workload, ct);
    }

    private async Task ReconcileStatefulSetAsync(JsonObject sts, CancellationToken ct)
    {
        if (sts["metadata"]?["deletionTimestamp"] is not null)
            return;
        var ns = sts["metadata"]!["namespace"]!.GetValue<string>();
        var name = sts["metadata"]!["name"]!.GetValue<string>();
        var replicas = (int)JsonNumbers.LongOr(sts["spec"]?["replicas"], 1);
        var revision = name + "-" + TemplateHash(sts);
        var pods = OwnedPods(sts);
        foreach (var template in (sts["spec"]?["volumeClaimTemplates"] as JsonArray ?? []).OfType<JsonObject>())
        {
            for (var i = 0; i < replicas; i++)
            {
                var claimName = $"{template["metadata"]?["name"]}-{name}-{i}";
                if (Service.Store.Get("persistentvolumeclaims", ns, claimName) is null)
                {
                    var claim = new JsonObject
                    {
                        ["apiVersion"] = "v1",
                        ["kind"] = "PersistentVolumeClaim",
                        ["metadata"] = new JsonObject { ["name"] = claimName, ["labels"] = template["metadata"]?["labels"]?.DeepClone() ?? sts["spec"]?["selector"]?["matchLabels"]?.DeepClone() },
                        ["spec"] = template["spec"]?.DeepClone(),
                    };
                    await CreateIgnoringConflictsAsync(Type("", "persistentvolumeclaims"), ns, claim, ct);
                }
            }
        }
        for (var i = 0; i < replicas; i++)
        {
            var podName = $"{name}-{i}";
            if (pods.Any(p => p["metadata"]!["name"]!.GetValue<string>() == podName))
                continue;
            var pod = PodFromTemplate(sts, podName);
            pod["metadata"]!["labels"]!["statefulset.kubernetes.io/pod-name"] = podName;
            pod["metadata"]!["labels"]!["apps.kubernetes.io/pod-index"] = i.ToString(CultureInfo.InvariantCulture);
            pod["metadata"]!["labels"]!["controller-revision-hash"] = revision;
            pod["spec"]!["hostname"] = podName;
            if (sts["spec"]?["serviceName"] is { } serviceName)
                pod["spec"]!["subdomain"] = serviceName.DeepClone();
            foreach (var template in (sts["spec"]?["volumeClaimTemplates"] as JsonArray ?? []).OfType<JsonObject>())
            {
                var volumes = pod["spec"]!["volumes"] as JsonArray ?? [];
                var claim = template["metadata"]?["name"]?.GetValue<string>();
                volumes.Add(new JsonObject { ["name"] = claim, ["persistentVolumeClaim"] = new JsonObject { ["claimName"] = $"{claim}-{name}-{i}" } });
                pod["spec"]!["volumes"] = volumes;
            }
            await CreateIgnoringConflictsAsync(Type("", "pods"), ns, pod, ct);
        }
        foreach (var extra in pods.Where(p => Ordinal(p, name) >= replicas).OrderByDescending(p => Ordinal(p, name)))
            await DeleteIgnoringMissingAsync(Type("", "pods"), ns, extra["metadata"]!["name"]!.GetValue<string>(), ct);

        pods = OwnedPods(sts).Where(p => Ordinal(p, name) < replicas).ToList();
        var ready = pods.Count(IsReady);
        var updated = pods.Count(p => p["metadata"]?["labels"]?["controller-revision-hash"]?.GetValue<string>() == revision);
        await PatchAsync(Type("apps", "statefulsets"), ns, name, new JsonObject
        {
            ["status"] = new JsonObject
            {
                ["observedGeneration"] = sts["metadata"]?["generation"]?.DeepClone(),
                ["replicas"] = pods.Count,
                ["readyReplicas"] = ready,
                ["availableReplicas"] = ready,
                ["currentReplicas"] = updated,
                ["updatedReplicas"] = updated,
                ["currentRevision"] = revision,
                ["updateRevision"] = revision,
                ["collisionCount"] = 0,
            },
        }, "status", ct);
    }

    private static int Ordinal(JsonObject pod, string setName)
    {
        var name = pod["metadata"]!["name"]!.GetValue<string>();
        return int.TryParse(name[(setName.Length + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i : int.MaxValue;
    }

    private async Task ReconcileDeploymentAsync(JsonObject deployment, CancellationToken ct)
    {
        if (deployment["metadata"]?["deletionTimestamp"] is not null)
            return;
        var ns = deployment["metadata"]!["namespace"]!.GetValue<string>();
        var name = deployment["metadata"]!["name"]!.GetValue<string>();
        var replicas = (int)JsonNumbers.LongOr(deployment["spec"]?["replicas"], 1);
        var hash = TemplateHash(deployment);
        var pods = OwnedPods(deployment);
        // A changed template replaces the old pods (a Recreate-style rollout; no ReplicaSets are simulated).
        foreach (var old in pods.Where(p => p["metadata"]?["labels"]?["pod-template-hash"]?.GetValue<string>() != hash))
            await DeleteIgnoringMissingAsync(Type("", "pods"), ns, old["metadata"]!["name"]!.GetValue<string>(), ct);
        var current = OwnedPods(deployment).Where(p => p["metadata"]?["labels"]?["pod-template-hash"]?.GetValue<string>() == hash).ToList();
        for (var i = current.Count; i < replicas; i++)
        {
            var pod = PodFromTemplate(deployment, null);
            pod["metadata"]!["generateName"] = $"{name}-{hash}-";
            pod["metadata"]!["labels"]!["pod-template-hash"] = hash;
            await Service.CreateAsync(Type("", "pods"), ns, pod, Controller, ct);
        }
        foreach (var extra in current.Skip(replicas))
            await DeleteIgnoringMissingAsync(Type("", "pods"), ns, extra["metadata"]!["name"]!.GetValue<string>(), ct);

        current = OwnedPods(deployment);
        var ready = current.Count(IsReady);
        var available = ready >= replicas;
        await PatchAsync(Type("apps", "deployments"), ns, name, new JsonObject
        {
            ["status"] = new JsonObject
            {
                ["observedGeneration"] = deployment["metadata"]?["generation"]?.DeepClone(),
                ["replicas"] = current.Count,
                ["updatedReplicas"] = current.Count(p => p["metadata"]?["labels"]?["pod-template-hash"]?.GetValue<string>() == hash),
                ["readyReplicas"] = ready,
                ["availableReplicas"] = ready,
                ["unavailableReplicas"] = Math.Max(0, replicas - ready),
                ["conditions"] = new JsonArray(
                    KeepTransition(deployment["status"]?["conditions"] as JsonArray ?? [], "Available", available ? "True" : "False",
                        available ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable"),
                    KeepTransition(deployment["status"]?["conditions"] as JsonArray ?? [], "Progressing", "True", "NewReplicaSetAvailable")),
            },
        }, "status", ct);
    }

    private static JsonObject PodFromTemplate(JsonObject owner, string? name)
    {
        var template = owner["spec"]?["template"] as JsonObject ?? [];
        var labels = template["metadata"]?["labels"]?.DeepClone() as JsonObject ?? [];
        var meta = new JsonObject
        {
            ["labels"] = labels,
            ["ownerReferences"] = new JsonArray(new JsonObject
            {
                ["apiVersion"] = "apps/v1",
                ["kind"] = owner["kind"]?.DeepClone(),
                ["name"] = owner["metadata"]!["name"]!.DeepClone(),
                ["uid"] = owner["metadata"]!["uid"]!.DeepClone(),
                ["controller"] = true,
                ["blockOwnerDeletion"] = true,
            }),
        };
        if (name is not null)
            meta["name"] = name;
        if (template["metadata"]?["annotations"] is JsonObject annotations)
            meta["annotations"] = annotations.DeepClone();
        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = meta,
            ["spec"] = template["spec"]?.DeepClone() ?? new JsonObject(),
        };
    }

    private List<JsonObject> OwnedPods(JsonObject owner)
    {
        var uid = owner["metadata"]!["uid"]!.GetValue<string>();
        var (pods, _) = Service.Store.List("pods", owner["metadata"]!["namespace"]!.GetValue<string>());
        return [.. pods.Where(p => (p["metadata"]?["ownerReferences"] as JsonArray ?? []).Any(r => r?["uid"]?.GetValue<string>() == uid)
                                   && p["metadata"]?["deletionTimestamp"] is null)];
    }

    private static (string Kind, string Name)? ControllerOf(JsonObject obj)
    {
        var owner = (obj["metadata"]?["ownerReferences"] as JsonArray ?? []).FirstOrDefault(r => JsonNumbers.IsTrue(r?["controller"]));
        return owner is null ? null : (owner["kind"]!.GetValue<string>(), owner["name"]!.GetValue<string>());
    }

    private static bool IsReady(JsonObject pod) =>
        (pod["status"]?["conditions"] as JsonArray ?? []).Any(c => c?["type"]?.GetValue<string>() == "Ready" && c["status"]?.GetValue<string>() == "True");

    private static string TemplateHash(JsonObject workload)
    {
        var text = workload["spec"]?["template"]?.ToJsonString() ?? "";
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text));
        const string alphabet = "bcdfghjklmnpqrstvwxz2456789";
        return new string([.. hash.Take(10).Select(b => alphabet[b % alphabet.Length])]);
    }

    // ---- storage and disruption budgets ----

    private async Task ReconcileClaimAsync(JsonObject claim, CancellationToken ct)
    {
        if (claim["metadata"]?["deletionTimestamp"] is not null)
            return;
        var ns = claim["metadata"]!["namespace"]!.GetValue<string>();
        var name = claim["metadata"]!["name"]!.GetValue<string>();
        var requested = claim["spec"]?["resources"]?["requests"]?["storage"]?.DeepClone() ?? "1Gi";
        if (claim["spec"]?["volumeName"] is null)
            await PatchAsync(Type("", "persistentvolumeclaims"), ns, name, new JsonObject { ["spec"] = new JsonObject { ["volumeName"] = "pvc-" + claim["metadata"]!["uid"] } }, "", ct);
        // Binding and expansion: the reported capacity follows the request (shrinking is not possible).
        var capacity = claim["status"]?["capacity"]?["storage"];
        if (claim["status"]?["phase"]?.GetValue<string>() != "Bound" || capacity is null || Quantity(requested) > Quantity(capacity))
        {
            await PatchAsync(Type("", "persistentvolumeclaims"), ns, name, new JsonObject
            {
                ["status"] = new JsonObject
                {
                    ["phase"] = "Bound",
                    ["accessModes"] = claim["spec"]?["accessModes"]?.DeepClone() ?? new JsonArray("ReadWriteOnce"),
                    ["capacity"] = new JsonObject { ["storage"] = requested },
                },
            }, "status", ct);
        }
    }

    private static decimal Quantity(JsonNode? node)
    {
        var text = node?.GetValue<string>() ?? "0";
        string[] binary = ["Ki", "Mi", "Gi", "Ti", "Pi"];
        for (var i = 0; i < binary.Length; i++)
        {
            if (text.EndsWith(binary[i], StringComparison.Ordinal) && decimal.TryParse(text[..^2], NumberStyles.Number, CultureInfo.InvariantCulture, out var b))
                return b * (decimal)Math.Pow(1024, i + 1);
        }
        string[] si = ["k", "M", "G", "T", "P"];
        for (var i = 0; i < si.Length; i++)
        {
            if (text.EndsWith(si[i], StringComparison.Ordinal) && decimal.TryParse(text[..^1], NumberStyles.Number, CultureInfo.InvariantCulture, out var d))
                return d * (decimal)Math.Pow(1000, i + 1);
        }
        return decimal.TryParse(text, NumberStyles.Number, CultureInfo.InvariantCulture, out var plain) ? plain : 0;
    }

    private async Task ReconcileDisruptionBudgetsAsync(string ns, CancellationToken ct)
    {
        if (ns.Length == 0)
            return;
        var (budgets, _) = Service.Store.List("poddisruptionbudgets.policy", ns);
        if (budgets.Count == 0)
            return;
        var (pods, _) = Service.Store.List("pods", ns);
        foreach (var pdb in budgets.Where(b => b["metadata"]?["deletionTimestamp"] is null))
        {
            var selector = pdb["spec"]?["selector"] as JsonObject ?? [];
            var matched = pods.Where(p => p["metadata"]?["deletionTimestamp"] is null && Admission.WebhookMatcher.SelectorMatches(selector, p)).ToList();
            var expected = matched.Count;
            var healthy = matched.Count(IsReady);
            var desired = pdb["spec"]?["minAvailable"] is { } min ? Scaled(min, expected, roundUp: true)
                : pdb["spec"]?["maxUnavailable"] is { } max ? Math.Max(0, expected - Scaled(max, expected, roundUp: true))
                : expected;
            var allowed = Math.Max(0, healthy - desired);
            await PatchAsync(Type("policy", "poddisruptionbudgets"), ns, pdb["metadata"]!["name"]!.GetValue<string>(), new JsonObject
            {
                ["status"] = new JsonObject
                {
                    ["observedGeneration"] = pdb["metadata"]?["generation"]?.DeepClone(),
                    ["expectedPods"] = expected,
                    ["currentHealthy"] = healthy,
                    ["desiredHealthy"] = desired,
                    ["disruptionsAllowed"] = allowed,
                    ["conditions"] = new JsonArray(KeepTransition(pdb["status"]?["conditions"] as JsonArray ?? [], "DisruptionAllowed",
                        allowed > 0 ? "True" : "False", allowed > 0 ? "SufficientPods" : "InsufficientPods")),
                },
            }, "status", ct);
        }
    }

    /// <summary>An int-or-percent value against a total (percentages round up, as the disruption controller does).</summary>
    private static int Scaled(JsonNode value, int total, bool roundUp)
    {
        if (JsonNumbers.TryGetLong(value, out var n))
            return (int)n;
        var text = value.GetValue<string>();
        if (text.EndsWith('%') && double.TryParse(text[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var pct))
            return (int)(roundUp ? Math.Ceiling(total * pct / 100) : Math.Floor(total * pct / 100));
        return 0;
    }

    // ---- helpers ----

    private async Task PatchAsync(ResourceType type, string ns, string name, JsonObject patch, string subresource, CancellationToken ct)
    {
        try
        {
            await Service.PatchAsync(type, ns, name, "application/merge-patch+json", patch.ToJsonString(), subresource,
                subresource == "status" && type.Plural == "pods" ? Kubelet : Controller, ct);
        }
        catch (ApiException e) when (e.Code == 404)
        {
        }
    }

    private async Task CreateIgnoringConflictsAsync(ResourceType type, string ns, JsonObject obj, CancellationToken ct)
    {
        try
        {
            await Service.CreateAsync(type, ns, obj, Controller, ct);
        }
        catch (ApiException e) when (e.Code == 409)
        {
        }
    }

    private async Task DeleteIgnoringMissingAsync(ResourceType type, string ns, string name, CancellationToken ct)
    {
        try
        {
            await Service.DeleteAsync(type, ns, name, null, Controller, ct);
        }
        catch (ApiException e) when (e.Code == 404)
        {
        }
    }

    private string Now() => ResourceService.Timestamp(Service.Time.GetUtcNow());

    private static string PodIp(int n) => string.Create(CultureInfo.InvariantCulture, $"10.244.{(n / 250) % 250}.{n % 250 + 2}");

    private JsonObject Condition(string type, string status) => new()
    {
        ["type"] = type,
        ["status"] = status,
        ["lastProbeTime"] = null,
        ["lastTransitionTime"] = Now(),
    };

    /// <summary>A condition whose lastTransitionTime only moves when its status changes.</summary>
    private JsonObject KeepTransition(JsonArray existing, string type, string status, string? reason = null)
    {
        var old = existing.OfType<JsonObject>().FirstOrDefault(c => c["type"]?.GetValue<string>() == type);
        var condition = Condition(type, status);
        if (old?["status"]?.GetValue<string>() == status && old["lastTransitionTime"] is { } t)
            condition["lastTransitionTime"] = t.DeepClone();
        if (reason is not null)
            condition["reason"] = reason;
        return condition;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "simulated controller failed on {StorageKey} {Namespace}/{Name}: {Message}")]
    private partial void LogFailure(string storageKey, string @namespace, string name, string message);
}
