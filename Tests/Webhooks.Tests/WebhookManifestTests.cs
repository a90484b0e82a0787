using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MultigresOrleans.Kubernetes.Yaml;

namespace MultigresOrleans.Webhooks.Tests;

/// <summary>
/// deploy/webhooks renders offline with the real <c>kubectl kustomize</c>, every rendered object parses,
/// and the install agrees with the code: the two configurations with <see cref="WebhookConfigurations"/>,
/// the Deployment's environment with what Program reads, and names, ports and RBAC with the
/// certificate bootstrap's.
/// </summary>
public sealed partial class WebhookManifestTests
{
    private const string Namespace = "multigres-operator";
    private const string ServiceName = "multigres-operator-webhook-service";
    private static readonly Lazy<Task<IReadOnlyList<JsonObject>>> Rendered = new(() => Kubectl.RenderAsync("webhooks"));

    private static async Task<JsonObject> Single(string kind, string? name = null) =>
        (await Rendered.Value).Single(o => Str(o["kind"]) == kind && (name is null || Str(o["metadata"]!["name"]) == name));

    private static string? Str(JsonNode? node) => node?.GetValue<string>();

    [Fact]
    public async Task Kustomize_renders_every_object_with_kind_name_and_the_operator_namespace()
    {
        var objects = await Rendered.Value;
        var kinds = objects.Select(o => $"{Str(o["kind"])}/{Str(o["metadata"]!["name"])}").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(
            [
                "ClusterRole/multigres-operator-webhook-role",
                "ClusterRoleBinding/multigres-operator-webhook-rolebinding",
                "Deployment/multigres-operator-webhook",
                "MutatingWebhookConfiguration/" + WebhookConfigurations.MutatingName,
                "Namespace/" + Namespace,
                "Role/multigres-operator-webhook-certs-role",
                "RoleBinding/multigres-operator-webhook-certs-rolebinding",
                "Service/" + ServiceName,
                "ServiceAccount/multigres-operator-webhook",
                "ValidatingWebhookConfiguration/" + WebhookConfigurations.ValidatingName,
            ], kinds);
        Assert.All(objects, o => Assert.False(string.IsNullOrEmpty(Str(o["apiVersion"]))));
        string[] clusterScoped = ["Namespace", "ClusterRole", "ClusterRoleBinding", "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"];
        Assert.All(objects.Where(o => !clusterScoped.Contains(Str(o["kind"]))), o => Assert.Equal(Namespace, Str(o["metadata"]!["namespace"])));
    }

    [Fact]
    public async Task The_configuration_yaml_equals_the_objects_of_WebhookConfigurations()
    {
        foreach (var (kind, expected) in new[]
        {
            ("MutatingWebhookConfiguration", WebhookConfigurations.Mutating(Namespace, ServiceName)),
            ("ValidatingWebhookConfiguration", WebhookConfigurations.ValidatingConfiguration(Namespace, ServiceName)),
        })
        {
            var yaml = await Single(kind);
            Assert.Equal(Str(expected["metadata"]!["name"]), Str(yaml["metadata"]!["name"]));
            var actual = yaml["webhooks"]!.AsArray();
            var wanted = expected["webhooks"]!.AsArray();
            Assert.Equal(wanted.Select(w => Str(w!["name"])), actual.Select(w => Str(w!["name"])));
            for (var i = 0; i < wanted.Count; i++)
            {
                // Paths, rules, failurePolicy, sideEffects, timeoutSeconds, review versions and the
                // service reference: the whole webhook, field for field (caBundle is set at run time).
                Assert.True(JsonNode.DeepEquals(wanted[i], actual[i]),
                    $"{kind} {Str(wanted[i]!["name"])}:\nC#:   {wanted[i]!.ToJsonString()}\nYAML: {actual[i]!.ToJsonString()}");
                Assert.Null(actual[i]!["clientConfig"]!["caBundle"]);
            }
        }
    }

    [Fact]
    public async Task The_deployment_runs_two_non_root_replicas_with_https_probes_and_the_cert_volume()
    {
        var deployment = await Single("Deployment");
        Assert.Equal(2L, deployment["spec"]!["replicas"]!.GetValue<long>());
        var pod = deployment["spec"]!["template"]!["spec"]!;
        Assert.Equal("multigres-operator-webhook", Str(pod["serviceAccountName"]));
        Assert.True(pod["securityContext"]!["runAsNonRoot"]!.GetValue<bool>());
        var container = pod["containers"]!.AsArray().Single()!;
        Assert.True(container["securityContext"]!["readOnlyRootFilesystem"]!.GetValue<bool>());
        Assert.False(container["securityContext"]!["allowPrivilegeEscalation"]!.GetValue<bool>());
        Assert.NotNull(container["resources"]!["requests"]!["cpu"]);
        Assert.NotNull(container["resources"]!["requests"]!["memory"]);
        Assert.Equal("/readyz", Str(container["readinessProbe"]!["httpGet"]!["path"]));
        Assert.Equal("/healthz", Str(container["livenessProbe"]!["httpGet"]!["path"]));
        Assert.All(new[] { "readinessProbe", "livenessProbe", "startupProbe" }, probe => Assert.Equal("HTTPS", Str(container[probe]!["httpGet"]!["scheme"])));

        var env = container["env"]!.AsArray().ToDictionary(e => Str(e!["name"])!, e => e!);
        var port = long.Parse(Str(env["WEBHOOK_PORT"]["value"])!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains(container["ports"]!.AsArray(), p => p!["containerPort"]!.GetValue<long>() == port);
        var certDirectory = Str(env["WEBHOOK_CERT_DIR"]["value"]);
        Assert.Equal(new WebhookOptions().CertDirectory, certDirectory);
        Assert.Equal(WebhookOptions.DefaultOperatorUser, Str(env["WEBHOOK_OPERATOR_USER"]["value"]));
        Assert.Equal(ServiceName, Str(env["WEBHOOK_SERVICE_NAME"]["value"]));
        Assert.Equal("metadata.namespace", Str(env["WEBHOOK_NAMESPACE"]["valueFrom"]!["fieldRef"]!["fieldPath"]));

        // Every WEBHOOK_*/POD_*/OTEL_*/GRAIN_* variable set is one the process reads (a typo would be silently ignored).
        var programReads = Directory.GetFiles(Path.Combine(RepositoryPaths.Root, "Webhooks"), "*.cs")
            .SelectMany(f => ReadVariable().Matches(File.ReadAllText(f)))
            .Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        Assert.Contains("GRAIN_CLUSTER_KEY_FILE", programReads);
        Assert.Contains("OTEL_EXPORTER_OTLP_ENDPOINT", programReads);
        Assert.All(env.Keys.Where(k => !k.StartsWith("DOTNET_", StringComparison.Ordinal)), k => Assert.Contains(k, programReads));

        var mount = container["volumeMounts"]!.AsArray().Single(m => Str(m!["mountPath"]) == certDirectory)!;
        var volume = pod["volumes"]!.AsArray().Single(v => Str(v!["name"]) == Str(mount["name"]))!;
        Assert.Equal(new CertificateBootstrapOptions().ServingSecretName, Str(volume["secret"]!["secretName"]));
        Assert.True(volume["secret"]!["optional"]!.GetValue<bool>());
        Assert.Contains(container["volumeMounts"]!.AsArray(), m => Str(m!["mountPath"]) == "/tmp");

        // The grain client: the silos' cluster name and a key file inside the mounted key Secret.
        Assert.Equal(WebhookGrainClient.DefaultClusterName, Str(env["GRAIN_CLUSTER_NAME"]["value"]));
        var keyFile = Str(env["GRAIN_CLUSTER_KEY_FILE"]["value"])!;
        var keyMount = container["volumeMounts"]!.AsArray().Single(m => keyFile.StartsWith(Str(m!["mountPath"]) + "/", StringComparison.Ordinal))!;
        Assert.True(keyMount["readOnly"]!.GetValue<bool>());
        var keyVolume = pod["volumes"]!.AsArray().Single(v => Str(v!["name"]) == Str(keyMount["name"]))!;
        Assert.Equal("multigres-operator-grain-cluster-key", Str(keyVolume["secret"]!["secretName"]));
    }

    [Fact]
    public async Task The_service_maps_443_to_the_webhook_port_of_the_selected_pods()
    {
        var service = await Single("Service");
        var deployment = await Single("Deployment");
        var ports = service["spec"]!["ports"]!.AsArray().Single()!;
        Assert.Equal(443L, ports["port"]!.GetValue<long>());
        Assert.Equal(9443L, ports["targetPort"]!.GetValue<long>());
        Assert.Equal((long)new WebhookOptions().Port, ports["targetPort"]!.GetValue<long>());
        var podLabels = deployment["spec"]!["template"]!["metadata"]!["labels"]!.AsObject();
        var selector = service["spec"]!["selector"]!.AsObject();
        Assert.NotEmpty(selector);
        Assert.All(selector, kv => Assert.Equal(Str(kv.Value), Str(podLabels[kv.Key])));
        Assert.True(JsonNode.DeepEquals(deployment["spec"]!["selector"]!["matchLabels"], selector));
    }

    [Fact]
    public async Task Rbac_grants_the_reads_of_admission_and_the_writes_of_the_bootstrap_to_the_webhook_account()
    {
        var clusterRole = await Single("ClusterRole");
        var role = await Single("Role");
        bool Grants(JsonObject r, string group, string resource, string verb, string? name = null) =>
            r["rules"]!.AsArray().Any(rule =>
                rule!["apiGroups"]!.AsArray().Any(g => Str(g) == group)
                && rule["resources"]!.AsArray().Any(x => Str(x) == resource)
                && rule["verbs"]!.AsArray().Any(v => Str(v) == verb)
                && (rule["resourceNames"] is not JsonArray names || (name is not null && names.Any(n => Str(n) == name))));

        foreach (var resource in new[] { "coretemplates", "celltemplates", "shardtemplates", "multigresclusters" })
            Assert.True(Grants(clusterRole, "multigres.com", resource, "list"), resource);
        Assert.True(Grants(clusterRole, "", "nodes", "list"));
        Assert.True(Grants(clusterRole, "storage.k8s.io", "storageclasses", "list"));
        Assert.False(Grants(clusterRole, "multigres.com", "multigresclusters", "update"));
        var bootstrap = new CertificateBootstrapOptions();
        foreach (var verb in new[] { "get", "patch" })
        {
            Assert.True(Grants(clusterRole, "admissionregistration.k8s.io", "mutatingwebhookconfigurations", verb, bootstrap.MutatingConfiguration));
            Assert.True(Grants(clusterRole, "admissionregistration.k8s.io", "validatingwebhookconfigurations", verb, bootstrap.ValidatingConfiguration));
        }
        Assert.False(Grants(clusterRole, "admissionregistration.k8s.io", "mutatingwebhookconfigurations", "patch", "someone-elses"));
        foreach (var secret in new[] { bootstrap.CaSecretName, bootstrap.ServingSecretName })
        {
            Assert.True(Grants(role, "", "secrets", "get", secret));
            Assert.True(Grants(role, "", "secrets", "update", secret));
        }
        Assert.True(Grants(role, "", "secrets", "create"));
        Assert.True(Grants(role, "", "events", "create"));
        foreach (var verb in new[] { "get", "list", "watch" })
        {
            Assert.True(Grants(role, "coordination.k8s.io", "leases", verb));
            Assert.True(Grants(role, "", "configmaps", verb));
        }
        Assert.False(Grants(role, "coordination.k8s.io", "leases", "update"));
        Assert.False(Grants(role, "", "secrets", "get", "multigres-admin-password"));

        foreach (var (binding, roleObject) in new[] { (await Single("ClusterRoleBinding"), clusterRole), (await Single("RoleBinding"), role) })
        {
            Assert.Equal(Str(roleObject["metadata"]!["name"]), Str(binding["roleRef"]!["name"]));
            var subject = binding["subjects"]!.AsArray().Single()!;
            Assert.Equal("multigres-operator-webhook", Str(subject["name"]));
            Assert.Equal(Namespace, Str(subject["namespace"]));
        }
    }

    [GeneratedRegex(@"(?:GetEnvironmentVariable|env)\(""([A-Z_]+)""\)")]
    private static partial Regex ReadVariable();
}
