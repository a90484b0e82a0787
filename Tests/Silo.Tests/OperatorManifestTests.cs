using System.Globalization;
using System.Text.Json.Nodes;
using MultigresOrleans.Kubernetes.Yaml;
using MultigresOrleans.Webhooks;
using MultigresOrleans.Webhooks.Tests;

namespace MultigresOrleans.Silo.Tests;

/// <summary>
/// deploy/operator and deploy/default render offline with the real <c>kubectl kustomize</c>, and the
/// install agrees with the code: the Deployment's environment, read by <see cref="SiloSettings"/> as a
/// pod would give it, yields the ports, key file and identity the manifests declare; the webhook's
/// notion of "the operator" is this service account; selectors select these pods; secret files are
/// readable by the non-root user. That the RBAC grants what the operator does is proven end to end:
/// every operator test runs with KubeSim enforcing these rules (<see cref="OperatorFixture"/>).
/// </summary>
public sealed class OperatorManifestTests
{
    private const string Namespace = "multigres-operator";
    private static readonly Lazy<Task<IReadOnlyList<JsonObject>>> Operator = new(() => Kubectl.RenderAsync("operator"));
    private static readonly Lazy<Task<IReadOnlyList<JsonObject>>> Default = new(() => Kubectl.RenderAsync("default"));

    [Fact]
    public async Task The_operator_base_renders_its_objects_in_the_operator_namespace_without_a_namespace_object()
    {
        var objects = await Operator.Value;
        Assert.Equal(
            [
                "ClusterRole/multigres-operator-manager-role",
                "ClusterRoleBinding/multigres-operator-manager-rolebinding",
                "Deployment/multigres-operator-controller-manager",
                "NetworkPolicy/multigres-operator-grain-calls",
                "PodDisruptionBudget/multigres-operator-controller-manager",
                "Role/multigres-operator-grain-cluster-role",
                "RoleBinding/multigres-operator-grain-cluster-rolebinding",
                "ServiceAccount/multigres-operator-controller-manager",
            ],
            objects.Select(Id).Order(StringComparer.Ordinal));
        string[] clusterScoped = ["ClusterRole", "ClusterRoleBinding"];
        Assert.All(objects.Where(o => !clusterScoped.Contains(Str(o["kind"]))), o => Assert.Equal(Namespace, Str(o["metadata"]!["namespace"])));
    }

    [Fact]
    public async Task The_default_install_is_the_crds_the_operator_and_the_webhooks_each_object_once()
    {
        var objects = await Default.Value;
        var ids = objects.Select(Id).ToList();
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(8, objects.Count(o => Str(o["kind"]) == "CustomResourceDefinition"));
        Assert.Contains("Namespace/" + Namespace, ids);
        Assert.Contains("Deployment/multigres-operator-controller-manager", ids);
        Assert.Contains("Deployment/multigres-operator-webhook", ids);
        Assert.Contains("MutatingWebhookConfiguration/" + WebhookConfigurations.MutatingName, ids);
    }

    [Fact]
    public async Task The_deployments_environment_gives_the_silo_the_declared_ports_key_file_and_identity()
    {
        var deployment = Single(await Operator.Value, "Deployment");
        var pod = deployment["spec"]!["template"]!["spec"]!;
        var container = pod["containers"]!.AsArray().Single()!;
        const string podIp = "10.1.2.3";
        const string podName = "multigres-operator-controller-manager-7d9f-abcde";
        var serviceAccount = Str(pod["serviceAccountName"])!;

        // The environment the kubelet would give this container.
        var env = container["env"]!.AsArray().ToDictionary(e => Str(e!["name"])!, e => e!["value"] is { } v
            ? Str(v)!
            : Str(e["valueFrom"]!["fieldRef"]!["fieldPath"]) switch
            {
                "metadata.namespace" => Namespace,
                "metadata.name" => podName,
                "spec.serviceAccountName" => serviceAccount,
                "status.podIP" => podIp,
                var other => throw new InvalidOperationException($"unexpected fieldRef {other}"),
            });
        var settings = SiloSettings.FromEnvironment(name => env.GetValueOrDefault(name), []);

        int Port(string name) => (int)container["ports"]!.AsArray().Single(p => Str(p!["name"]) == name)!["containerPort"]!.GetValue<long>();
        Assert.Equal(Port("grains"), settings.Listen.Port);
        Assert.Equal("0.0.0.0", settings.Listen.Address.ToString());
        Assert.Equal(new Uri($"http://{podIp}:{Port("grains")}"), settings.Advertise);
        Assert.Equal(Port("health"), settings.HealthPort);
        Assert.All(new[] { "startupProbe", "livenessProbe", "readinessProbe" }, probe => Assert.Equal("health", Str(container[probe]!["httpGet"]!["port"])));
        Assert.Equal("/readyz", Str(container["readinessProbe"]!["httpGet"]!["path"]));
        Assert.Equal(Namespace, settings.Namespace);
        Assert.Equal(podName, settings.SiloName);
        Assert.Equal(WebhookGrainClient.DefaultClusterName, settings.ClusterName);
        Assert.Null(settings.Kubeconfig); // in-cluster configuration

        // The webhook lets exactly this account write child resources.
        Assert.Equal(WebhookOptions.DefaultOperatorUser, $"system:serviceaccount:{settings.Namespace}:{settings.ServiceAccount}");

        // The key file lies in the mounted grain-cluster Secret, the one the webhook pods mount too.
        var keyMount = container["volumeMounts"]!.AsArray().Single(m => settings.KeyFile.StartsWith(Str(m!["mountPath"]) + "/", StringComparison.Ordinal))!;
        // The rotation key is the same Secret's optional `additional-key`.
        Assert.Equal(Path.Combine(Str(keyMount["mountPath"])!, "additional-key"), settings.AdditionalKeyFile);
        Assert.True(keyMount["readOnly"]!.GetValue<bool>());
        var keyVolume = pod["volumes"]!.AsArray().Single(v => Str(v!["name"]) == Str(keyMount["name"]))!;
        Assert.Equal("multigres-operator-grain-cluster-key", Str(keyVolume["secret"]!["secretName"]));
        var webhook = Single(await Default.Value, "Deployment", "multigres-operator-webhook");
        Assert.Contains(webhook["spec"]!["template"]!["spec"]!["volumes"]!.AsArray(), v => Str(v!["secret"]?["secretName"]) == "multigres-operator-grain-cluster-key");

        // Every variable set is one the silo reads: a typo would be ignored silently.
        var unread = env.Keys.Where(k => !k.StartsWith("DOTNET_", StringComparison.Ordinal)).Where(k => !ReadsVariable(k)).ToList();
        Assert.True(unread.Count == 0, "set in deploy/operator but never read by Silo/: " + string.Join(", ", unread));
    }

    [Fact]
    public async Task Both_deployments_run_non_root_and_can_read_their_secret_volumes()
    {
        foreach (var deployment in (await Default.Value).Where(o => Str(o["kind"]) == "Deployment"))
        {
            var name = Str(deployment["metadata"]!["name"]);
            var pod = deployment["spec"]!["template"]!["spec"]!;
            Assert.True(pod["securityContext"]!["runAsNonRoot"]!.GetValue<bool>(), name);
            var user = pod["securityContext"]!["runAsUser"]!.GetValue<long>();
            Assert.NotEqual(0, user);
            var fsGroup = pod["securityContext"]!["fsGroup"]?.GetValue<long>();
            var container = pod["containers"]!.AsArray().Single()!;
            Assert.True(container["securityContext"]!["readOnlyRootFilesystem"]!.GetValue<bool>(), name);
            Assert.False(container["securityContext"]!["allowPrivilegeEscalation"]!.GetValue<bool>(), name);
            foreach (var volume in pod["volumes"]!.AsArray().Where(v => v!["secret"] is not null))
            {
                // Secret files belong to root (group fsGroup when set): the process reads them through
                // "other" bits, or through group bits when fsGroup is its group.
                var mode = volume!["secret"]!["defaultMode"]?.GetValue<long>() ?? Convert.ToInt64("644", 8);
                var readable = (mode & 4) != 0 || (fsGroup is not null && (mode & (4 << 3)) != 0);
                Assert.True(readable, $"{name}: secret volume {Str(volume["name"])} has mode {Convert.ToString(mode, 8)}, unreadable by user {user} (fsGroup {fsGroup?.ToString(CultureInfo.InvariantCulture) ?? "unset"})");
            }
        }
    }

    [Fact]
    public async Task Disruption_budget_and_network_policy_select_the_operator_pods_and_let_webhook_pods_call_grains()
    {
        var objects = await Operator.Value;
        var deployment = Single(objects, "Deployment");
        var podLabels = deployment["spec"]!["template"]!["metadata"]!["labels"]!.AsObject();
        bool Selects(JsonNode? selector, JsonObject labels) =>
            selector is JsonObject s && s.Count > 0 && s.All(kv => Str(kv.Value) == Str(labels[kv.Key]));

        Assert.True(JsonNode.DeepEquals(deployment["spec"]!["selector"]!["matchLabels"], Single(objects, "PodDisruptionBudget")["spec"]!["selector"]!["matchLabels"]));
        Assert.True(Selects(deployment["spec"]!["selector"]!["matchLabels"], podLabels));
        Assert.Equal(0L, deployment["spec"]!["strategy"]!["rollingUpdate"]!["maxUnavailable"]!.GetValue<long>());

        var policy = Single(objects, "NetworkPolicy");
        Assert.True(Selects(policy["spec"]!["podSelector"]!["matchLabels"], podLabels));
        var webhookPods = Single(await Default.Value, "Deployment", "multigres-operator-webhook")["spec"]!["template"]!["metadata"]!["labels"]!.AsObject();
        var grainRule = policy["spec"]!["ingress"]!.AsArray().Single(r => r!["ports"]!.AsArray().Any(p => Str(p!["port"]) == "grains"))!;
        var from = grainRule["from"]!.AsArray().Select(f => f!["podSelector"]!["matchLabels"]).ToList();
        Assert.Contains(from, s => Selects(s, webhookPods));
        Assert.Contains(from, s => Selects(s, podLabels));
        Assert.All(from, s => Assert.NotEmpty(s!.AsObject())); // an empty selector would admit every pod in the namespace
    }

    private static bool ReadsVariable(string name) =>
        Directory.GetFiles(Path.Combine(RepositoryPaths.Root, "Silo"), "*.cs")
            .Any(f => File.ReadAllText(f).Contains($"\"{name}\"", StringComparison.Ordinal));

    private static string Id(JsonObject o) => $"{Str(o["kind"])}/{Str(o["metadata"]!["name"])}";

    private static JsonObject Single(IReadOnlyList<JsonObject> objects, string kind, string? name = null) =>
        objects.Single(o => Str(o["kind"]) == kind && (name is null || Str(o["metadata"]!["name"]) == name));

    private static string? Str(JsonNode? node) => node?.GetValue<string>();
}
