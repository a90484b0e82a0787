using MultigresOrleans.KubeSim.Tests.Infrastructure;

namespace MultigresOrleans.KubeSim.Tests.Conformance;

/// <summary>
/// The real kubectl 1.32 against KubeSim, with validation on (no --validate=false): the commands a
/// user of the operator types, with outputs checked the way a user would read them.
/// </summary>
[Collection(KubeSimCollection.Name)]
public sealed class KubectlConformanceTests(KubeSimFixture fixture)
{
    private const string Crd = """
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata:
          name: gadgets.conformance.kubesim.io
        spec:
          group: conformance.kubesim.io
          names: {kind: Gadget, listKind: GadgetList, plural: gadgets, singular: gadget, shortNames: [gd]}
          scope: Namespaced
          versions:
          - name: v1
            served: true
            storage: true
            subresources:
              status: {}
              scale: {specReplicasPath: .spec.replicas, statusReplicasPath: .status.replicas}
            additionalPrinterColumns:
            - {name: Size, type: string, jsonPath: .spec.size}
            - {name: Replicas, type: integer, jsonPath: .spec.replicas}
            - {name: Ready, type: string, jsonPath: ".status.conditions[?(@.type=='Ready')].status"}
            - {name: Age, type: date, jsonPath: .metadata.creationTimestamp}
            schema:
              openAPIV3Schema:
                type: object
                properties:
                  spec:
                    type: object
                    required: [size]
                    properties:
                      replicas: {type: integer, minimum: 0, default: 1}
                      size: {type: string, enum: [small, large]}
                  status:
                    type: object
                    properties:
                      replicas: {type: integer}
                      conditions:
                        type: array
                        items:
                          type: object
                          properties:
                            type: {type: string}
                            status: {type: string}
        """;

    private static string Gadget(string name, string size = "small", string extraSpec = "") => $$"""
        apiVersion: conformance.kubesim.io/v1
        kind: Gadget
        metadata:
          name: {{name}}
        spec:
          size: {{size}}
        {{extraSpec}}
        """;

    private Kubectl Kubectl => fixture.Kubectl;

    private async Task<string> SetUpAsync(string prefix)
    {
        Assert.True(Kubectl.Available, "/usr/bin/kubectl is required for the conformance suite");
        (await Kubectl.RunAsync(["apply", "-f", "-"], Crd)).EnsureSuccess();
        return await fixture.NewNamespaceAsync(prefix);
    }

    [Fact]
    public async Task Apply_of_a_CRD_and_a_custom_resource_works_with_validation_on()
    {
        var ns = await SetUpAsync("apply");
        var result = (await Kubectl.RunAsync(["apply", "-n", ns, "-f", "-"], Gadget("g1"))).EnsureSuccess();
        Assert.Contains("gadget.conformance.kubesim.io/g1 created", result.Stdout, StringComparison.Ordinal);

        var again = (await Kubectl.RunAsync(["apply", "-n", ns, "-f", "-"], Gadget("g1", "large"))).EnsureSuccess();
        Assert.Contains("gadget.conformance.kubesim.io/g1 configured", again.Stdout, StringComparison.Ordinal);

        var unchanged = (await Kubectl.RunAsync(["apply", "-n", ns, "-f", "-"], Gadget("g1", "large"))).EnsureSuccess();
        Assert.Contains("gadget.conformance.kubesim.io/g1 unchanged", unchanged.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_prints_the_CRD_printer_columns_as_a_table()
    {
        var ns = await SetUpAsync("table");
        (await Kubectl.RunAsync(["apply", "-n", ns, "-f", "-"], Gadget("g1"))).EnsureSuccess();
        (await Kubectl.RunAsync("patch", "-n", ns, "gadget", "g1", "--subresource=status", "--type=merge",
            "-p", """{"status":{"conditions":[{"type":"Ready","status":"True"}]}}""")).EnsureSuccess();

        var table = (await Kubectl.RunAsync("get", "-n", ns, "gd")).EnsureSuccess();
        var lines = table.Stdout.TrimEnd().Split('\n');
        Assert.Equal(["NAME", "SIZE", "REPLICAS", "READY", "AGE"], lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["g1", "small", "1", "True", "0s"], lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Get_as_yaml_shows_defaults_and_server_metadata()
    {
        var ns = await SetUpAsync("yaml");
        (await Kubectl.RunAsync(["apply", "-n", ns, "-f", "-"], Gadget("g1"))).EnsureSuccess();
        var yaml = (await Kubectl.RunAsync("get", "-n", ns, "gadget", "g1", "-o", "yaml")).EnsureSuccess().Stdout;
        Assert.Contains("replicas: 1", yaml, StringComparison.Ordinal);
        Assert.Contains("uid: ", yaml, StringComparison.Ordinal);
        Assert.Contains("resourceVersion: ", yaml, StringComparison.Ordinal);
        Assert.Contains("generation: 1", yaml, StringComparison.Ordinal);
        Assert.Contains("kubectl.kubernetes.io/last-applied-configuration", yaml, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Patch_json_and_merge_and_strategic_merge_rejected_for_custom_resources()
    {
        var ns = await SetUpAsync("patch");
        (await Kubectl.RunAsync(["apply", "-n", ns, "-f", "-"], Gadget("g1"))).EnsureSuccess();

        (await Kubectl.RunAsync("patch", "-n", ns, "gadget", "g1", "--type=merge", "-p", """{"spec":{"replicas":3}}""")).EnsureSuccess();
        (await Kubectl.RunAsync("patch", "-n", ns, "gadget", "g1", "--type=json", "-p", """[{"op":"replace","path":"/spec/size","value":"large"}]""")).EnsureSuccess();
        var values = (await Kubectl.RunAsync("get", "-n", ns, "gadget", "g1", "-o", "jsonpath={.spec.replicas},{.spec.size},{.metadata.generation}")).EnsureSuccess();
        Assert.Equal("3,large,3", values.Stdout);

        var strategic = await Kubectl.RunAsync("patch", "-n", ns, "gadget", "g1", "-p", """{"spec":{"replicas":4}}""");
        Assert.NotEqual(0, strategic.ExitCode);
        Assert.Contains("application/strategic-merge-patch+json is not supported", strategic.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Label_adds_and_removes_labels_and_selectors_find_them()
    {
        var ns = await SetUpAsync("label");
        (await Kubectl.RunAsync(["apply", "-n", ns, "-f", "-"], Gadget("g1"))).EnsureSuccess();
        (await Kubectl.RunAsync(["apply", "-n", ns, "-f", "-"], Gadget("g2"))).EnsureSuccess();
        (await Kubectl.RunAsync("label", "-n", ns, "gadget", "g1", "tier=gold")).EnsureSuccess();

        var selected = (await Kubectl.RunAsync("get", "-n", ns, "gadgets", "-l", "tier in (gold,silver)", "-o", "name")).EnsureSuccess();
        Assert.Equal("gadget.conformance.kubesim.io/g1", selected.Stdout.Trim());
        var notSelected = (await Kubectl.RunAsync("get", "-n", ns, "gadgets", "-l", "!tier", "-o", "name")).EnsureSuccess();
        Assert.Equal("gadget.conformance.kubesim.io/g2", notSelected.Stdout.Trim());

        (await Kubectl.RunAsync("label", "-n", ns, "gadget", "g1", "tier-")).EnsureSuccess();
        var none = (await Kubectl.RunAsync("get", "-n", ns, "gadgets", "-l", "tier=gold", "-o", "name")).EnsureSuccess();
        Assert.Equal("", none.Stdout.Trim());
    }

    [Fact]
    public async Task Scale_uses_the_scale_subresource()
    {
        var ns = await SetUpAsync("scale");
        (await Kubectl.RunAsync(["apply", "-n", ns, "-f", "-"], Gadget("g1"))).EnsureSuccess();
        var scaled = (await Kubectl.RunAsync("scale", "-n", ns, "gadget", "g1", "--replicas=5")).EnsureSuccess();
        Assert.Contains("gadget.conformance.kubesim.io/g1 scaled", scaled.Stdout, StringComparison.Ordinal);
        var replicas = (await Kubectl.RunAsync("get", "-n", ns, "gadget", "g1", "-o", "jsonpath={.spec.replicas}")).EnsureSuccess();
        Assert.Equal("5", replicas.Stdout);

        var stale = await Kubectl.RunAsync("scale", "-n", ns, "gadget", "g1", "--replicas=6", "--current-replicas=2");
        Assert.NotEqual(0, stale.ExitCode);
    }

    [Fact]
    public async Task Delete_with_wait_returns_once_finalizers_are_released()
    {
        var ns = await SetUpAsync("delete");
        (await Kubectl.RunAsync(["apply", "-n", ns, "-f", "-"], Gadget("g1"))).EnsureSuccess();
        (await Kubectl.RunAsync(["apply", "-n", ns, "-f", "-"], Gadget("g2"))).EnsureSuccess();
        (await Kubectl.RunAsync("patch", "-n", ns, "gadget", "g2", "--type=merge", "-p", """{"metadata":{"finalizers":["conformance.kubesim.io/hold"]}}""")).EnsureSuccess();

        var deleted = (await Kubectl.RunAsync("delete", "-n", ns, "gadget", "g1", "--wait=true", "--timeout=20s")).EnsureSuccess();
        Assert.Contains("gadget.conformance.kubesim.io \"g1\" deleted", deleted.Stdout, StringComparison.Ordinal);

        var held = await Kubectl.RunAsync("delete", "-n", ns, "gadget", "g2", "--wait=true", "--timeout=2s");
        Assert.NotEqual(0, held.ExitCode);
        Assert.Contains("timed out waiting", held.Stderr, StringComparison.Ordinal);
        var terminating = (await Kubectl.RunAsync("get", "-n", ns, "gadget", "g2", "-o", "jsonpath={.metadata.deletionTimestamp}")).EnsureSuccess();
        Assert.NotEqual("", terminating.Stdout);

        (await Kubectl.RunAsync("patch", "-n", ns, "gadget", "g2", "--type=json", "-p", """[{"op":"remove","path":"/metadata/finalizers"}]""")).EnsureSuccess();
        var gone = (await Kubectl.RunAsync("get", "-n", ns, "gadgets", "-o", "name")).EnsureSuccess();
        Assert.Equal("", gone.Stdout.Trim());
    }

    [Fact]
    public async Task Server_side_apply_reports_conflicts_and_force_takes_ownership()
    {
        var ns = await SetUpAsync("ssa");
        var applied = (await Kubectl.RunAsync(["apply", "--server-side", "-n", ns, "-f", "-"], Gadget("g1", extraSpec: "  replicas: 2"))).EnsureSuccess();
        Assert.Contains("gadget.conformance.kubesim.io/g1 serverside-applied", applied.Stdout, StringComparison.Ordinal);

        (await Kubectl.RunAsync("patch", "-n", ns, "gadget", "g1", "--type=merge", "-p", """{"spec":{"replicas":3}}""")).EnsureSuccess();
        var conflict = await Kubectl.RunAsync(["apply", "--server-side", "-n", ns, "-f", "-"], Gadget("g1", extraSpec: "  replicas: 4"));
        Assert.NotEqual(0, conflict.ExitCode);
        Assert.Contains("Apply failed with 1 conflict: conflict with \"kubectl-patch\"", conflict.Stderr, StringComparison.Ordinal);
        Assert.Contains(".spec.replicas", conflict.Stderr, StringComparison.Ordinal);

        (await Kubectl.RunAsync(["apply", "--server-side", "--force-conflicts", "-n", ns, "-f", "-"], Gadget("g1", extraSpec: "  replicas: 4"))).EnsureSuccess();
        var managers = (await Kubectl.RunAsync("get", "-n", ns, "gadget", "g1", "--show-managed-fields", "-o", "jsonpath={.spec.replicas} {.metadata.managedFields[*].manager}")).EnsureSuccess();
        Assert.StartsWith("4 ", managers.Stdout, StringComparison.Ordinal);
        Assert.Contains("kubectl", managers.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rejected_object_shows_the_schema_errors()
    {
        var ns = await SetUpAsync("invalid");
        var invalid = await Kubectl.RunAsync(["apply", "-n", ns, "-f", "-"], Gadget("bad", size: "huge", extraSpec: "  replicas: -1"));
        Assert.NotEqual(0, invalid.ExitCode);
        Assert.Contains("The Gadget \"bad\" is invalid", invalid.Stderr, StringComparison.Ordinal);
        Assert.Contains("spec.size: Unsupported value: \"huge\": supported values: \"small\", \"large\"", invalid.Stderr, StringComparison.Ordinal);
        Assert.Contains("spec.replicas", invalid.Stderr, StringComparison.Ordinal);

        var unknown = await Kubectl.RunAsync(["apply", "-n", ns, "-f", "-"], Gadget("bad", extraSpec: "  colour: red"));
        Assert.NotEqual(0, unknown.ExitCode);
        Assert.Contains("strict decoding error: unknown field \"spec.colour\"", unknown.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wait_for_condition_and_jsonpath()
    {
        var ns = await SetUpAsync("wait");
        (await Kubectl.RunAsync(["apply", "-n", ns, "-f", "-"], Gadget("g1"))).EnsureSuccess();
        var waiting = Kubectl.RunAsync("wait", "-n", ns, "gadget/g1", "--for=condition=Ready", "--timeout=20s");
        (await Kubectl.RunAsync("patch", "-n", ns, "gadget", "g1", "--subresource=status", "--type=merge",
            "-p", """{"status":{"conditions":[{"type":"Ready","status":"True"}]}}""")).EnsureSuccess();
        var met = (await waiting).EnsureSuccess();
        Assert.Contains("condition met", met.Stdout, StringComparison.Ordinal);

        var jsonpath = (await Kubectl.RunAsync("wait", "-n", ns, "gadget/g1", "--for=jsonpath={.spec.size}=small", "--timeout=20s")).EnsureSuccess();
        Assert.Contains("condition met", jsonpath.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_watch_prints_changes()
    {
        var ns = await SetUpAsync("watch");
        (await Kubectl.RunAsync(["apply", "-n", ns, "-f", "-"], Gadget("g1"))).EnsureSuccess();
        var watchesBefore = fixture.Server.Counters.Count(verb: "watch", resource: "gadgets");
        var watching = Kubectl.RunAsync(["get", "-n", ns, "gadgets", "-w", "--output-watch-events", "--request-timeout=4s"], null, TimeSpan.FromSeconds(20));
        // The watch must be established before the change, or kubectl would only list the new state.
        await Eventually.UntilAsync(() => Task.FromResult(fixture.Server.Counters.Count(verb: "watch", resource: "gadgets")), n => n > watchesBefore,
            "kubectl to open a watch on gadgets", TimeSpan.FromSeconds(20));
        (await Kubectl.RunAsync("patch", "-n", ns, "gadget", "g1", "--type=merge", "-p", """{"spec":{"replicas":9}}""")).EnsureSuccess();
        var watched = await watching;
        var output = watched.Stdout + "\n" + watched.Stderr;
        Assert.Contains("ADDED", output, StringComparison.Ordinal);
        Assert.Matches(@"MODIFIED\s+g1\s+small\s+9", output);
    }

    [Fact]
    public async Task Imperative_create_of_namespaces_configmaps_and_secrets_works()
    {
        Assert.True(Kubectl.Available, "/usr/bin/kubectl is required for the conformance suite");
        var ns = $"imperative-{Guid.NewGuid().ToString("N")[..6]}";
        (await Kubectl.RunAsync("create", "namespace", ns)).EnsureSuccess();
        (await Kubectl.RunAsync("create", "-n", ns, "configmap", "settings", "--from-literal=mode=fast")).EnsureSuccess();
        (await Kubectl.RunAsync("create", "-n", ns, "secret", "generic", "postgres-password", "--from-literal=password=s3cret")).EnsureSuccess();
        var secret = (await Kubectl.RunAsync("get", "-n", ns, "secret", "postgres-password", "-o", "jsonpath={.data.password}")).EnsureSuccess();
        Assert.Equal("s3cret", System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(secret.Stdout)));
        var table = (await Kubectl.RunAsync("get", "-n", ns, "secrets")).EnsureSuccess();
        Assert.Matches(@"postgres-password\s+Opaque\s+1\s+\d+s", table.Stdout);
        var mode = (await Kubectl.RunAsync("get", "-n", ns, "configmap", "settings", "-o", "jsonpath={.data.mode}")).EnsureSuccess();
        Assert.Equal("fast", mode.Stdout);
        var canI = (await Kubectl.RunAsync("auth", "can-i", "create", "pods", "-n", ns)).EnsureSuccess();
        Assert.Equal("yes", canI.Stdout.Trim());
    }

    [Fact]
    public async Task Delete_with_cascade_removes_owned_objects()
    {
        var ns = await SetUpAsync("cascade");
        (await Kubectl.RunAsync(["apply", "-n", ns, "-f", "-"], Gadget("owner"))).EnsureSuccess();
        var uid = (await Kubectl.RunAsync("get", "-n", ns, "gadget", "owner", "-o", "jsonpath={.metadata.uid}")).EnsureSuccess().Stdout;
        var child = $$"""
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: owned
              ownerReferences:
              - {apiVersion: conformance.kubesim.io/v1, kind: Gadget, name: owner, uid: {{uid}}, blockOwnerDeletion: true, controller: true}
            data: {k: v}
            """;
        (await Kubectl.RunAsync(["apply", "-n", ns, "-f", "-"], child)).EnsureSuccess();

        var orphaned = (await Kubectl.RunAsync("delete", "-n", ns, "gadget", "owner", "--cascade=orphan", "--wait=true", "--timeout=20s")).EnsureSuccess();
        Assert.Contains("deleted", orphaned.Stdout, StringComparison.Ordinal);
        var kept = (await Kubectl.RunAsync("get", "-n", ns, "configmap", "owned", "-o", "jsonpath={.metadata.ownerReferences}")).EnsureSuccess();
        Assert.Equal("", kept.Stdout);

        (await Kubectl.RunAsync(["apply", "-n", ns, "-f", "-"], Gadget("owner2"))).EnsureSuccess();
        var uid2 = (await Kubectl.RunAsync("get", "-n", ns, "gadget", "owner2", "-o", "jsonpath={.metadata.uid}")).EnsureSuccess().Stdout;
        (await Kubectl.RunAsync(["apply", "-n", ns, "-f", "-"], child.Replace(uid, uid2, StringComparison.Ordinal).Replace("name: owner,", "name: owner2,", StringComparison.Ordinal))).EnsureSuccess();
        (await Kubectl.RunAsync("delete", "-n", ns, "gadget", "owner2", "--cascade=foreground", "--wait=true", "--timeout=20s")).EnsureSuccess();
        var gone = await Kubectl.RunAsync("get", "-n", ns, "configmap", "owned");
        Assert.NotEqual(0, gone.ExitCode);
        Assert.Contains("NotFound", gone.Stderr, StringComparison.Ordinal);
    }
}
