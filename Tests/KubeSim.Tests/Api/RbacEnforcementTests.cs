using System.Net;
using System.Text.Json.Nodes;
using MultigresOrleans.KubeSim.Tests.Infrastructure;

namespace MultigresOrleans.KubeSim.Tests.Api;

/// <summary>
/// RBAC enforcement seen through the real kubectl: service accounts are refused with the API
/// server's exact Forbidden messages until a Role and RoleBinding grant them access, only in that
/// namespace, and `kubectl auth can-i` answers from the same rules.
/// </summary>
public sealed class RbacEnforcementTests(RbacKubeSimFixture fixture) : IClassFixture<RbacKubeSimFixture>
{
    private static string PodReader(string ns, string account) => $$"""
        apiVersion: rbac.authorization.k8s.io/v1
        kind: Role
        metadata:
          name: pod-reader
          namespace: {{ns}}
        rules:
        - apiGroups: [""]
          resources: ["pods"]
          verbs: ["get", "list", "watch"]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: RoleBinding
        metadata:
          name: read-pods
          namespace: {{ns}}
        subjects:
        - kind: ServiceAccount
          name: {{account}}
          namespace: {{ns}}
        roleRef:
          apiGroup: rbac.authorization.k8s.io
          kind: Role
          name: pod-reader
        """;

    private static JsonObject Pod(string name) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Pod",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "c", ["image"] = "busybox" }) },
    };

    private static void AssertForbidden(KubectlResult result, string message)
    {
        Assert.NotEqual(0, result.ExitCode);
        Assert.Equal($"Error from server (Forbidden): {message}", result.Stderr.Trim());
    }

    [Fact]
    public async Task A_service_account_without_bindings_is_refused_with_the_api_servers_message()
    {
        Assert.True(Kubectl.Available, "/usr/bin/kubectl is required");
        var ns = await fixture.NewNamespaceAsync("unbound");
        var account = fixture.Unique("sa");
        var user = $"system:serviceaccount:{ns}:{account}";
        var kubectl = await fixture.KubectlForServiceAccountAsync(ns, account);

        AssertForbidden(await kubectl.RunAsync("get", "pods", "-n", ns),
            $"pods is forbidden: User \"{user}\" cannot list resource \"pods\" in API group \"\" in the namespace \"{ns}\"");
        AssertForbidden(await kubectl.RunAsync("get", "pod", "web-0", "-n", ns),
            $"pods \"web-0\" is forbidden: User \"{user}\" cannot get resource \"pods\" in API group \"\" in the namespace \"{ns}\"");
        AssertForbidden(await kubectl.RunAsync("get", "nodes"),
            $"nodes is forbidden: User \"{user}\" cannot list resource \"nodes\" in API group \"\" at the cluster scope");
        AssertForbidden(await kubectl.RunAsync("get", "pods", "-A"),
            $"pods is forbidden: User \"{user}\" cannot list resource \"pods\" in API group \"\" at the cluster scope");

        // The admin (system:masters) is never refused, and sees no trace of the refused requests.
        var admin = (await fixture.Admin.RunAsync("get", "pods", "-n", ns)).EnsureSuccess();
        Assert.Contains($"No resources found in {ns} namespace.", admin.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, fixture.Server.Counters.Count(verb: "list", resource: "pods", user: user, status: 403));
        Assert.Equal(1, fixture.Server.Counters.Count(verb: "get", resource: "pods", user: user, status: 403));
    }

    [Fact]
    public async Task Kubectl_as_impersonates_for_the_admin_and_needs_the_impersonate_verb_for_anyone_else()
    {
        var ns = await fixture.NewNamespaceAsync("impersonate");
        var account = fixture.Unique("sa");
        var user = $"system:serviceaccount:{ns}:{account}";

        // The admin asks as the account: the account's rules answer, not the admin's.
        var before = await fixture.Admin.RunAsync("auth", "can-i", "list", "pods", "-n", ns, "--as", user);
        Assert.Equal((1, "no"), (before.ExitCode, before.Stdout.Trim()));
        AssertForbidden(await fixture.Admin.RunAsync("get", "pods", "-n", ns, "--as", user),
            $"pods is forbidden: User \"{user}\" cannot list resource \"pods\" in API group \"\" in the namespace \"{ns}\"");
        (await fixture.Admin.RunAsync(["apply", "-f", "-"], PodReader(ns, account))).EnsureSuccess();
        var after = await fixture.Admin.RunAsync("auth", "can-i", "list", "pods", "-n", ns, "--as", user);
        Assert.Equal((0, "yes"), (after.ExitCode, after.Stdout.Trim()));

        // The account itself may not become someone else.
        var kubectl = await fixture.KubectlForServiceAccountAsync(ns, account);
        AssertForbidden(await kubectl.RunAsync("get", "pods", "-n", ns, "--as", "bob"),
            $"users \"bob\" is forbidden: User \"{user}\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope");
        Assert.Equal(1, fixture.Server.Counters.Count(verb: "list", resource: "pods", user: user, status: 403));
    }

    [Fact]
    public async Task A_denied_write_is_a_Forbidden_Status_counted_and_audited_and_nothing_is_stored()
    {
        var ns = await fixture.NewNamespaceAsync("denied-write");
        var account = fixture.Unique("sa");
        var user = $"system:serviceaccount:{ns}:{account}";
        using var client = new HttpClient { BaseAddress = fixture.Server.HttpUrl };
        client.DefaultRequestHeaders.Authorization = new("Bearer", fixture.Server.Tokens.IssueServiceAccountToken(ns, account));

        var denied = await client.PostJsonAsync($"/api/v1/namespaces/{ns}/configmaps", ApiClient.ConfigMap("c"));
        Assert.Equal(HttpStatusCode.Forbidden, denied.Status);
        Assert.Equal("Forbidden", denied.Object["reason"]!.GetValue<string>());
        Assert.Equal(403, denied.Object["code"]!.GetValue<int>());
        Assert.Equal($"configmaps is forbidden: User \"{user}\" cannot create resource \"configmaps\" in API group \"\" in the namespace \"{ns}\"",
            denied.Object["message"]!.GetValue<string>());
        Assert.Equal("""{"kind":"configmaps"}""", denied.Object["details"]!.ToJsonString());

        var status = await client.PatchJsonAsync($"/api/v1/namespaces/{ns}/pods/web-0/status", JsonNode.Parse("""{"status":{"phase":"Running"}}""")!);
        Assert.Equal(HttpStatusCode.Forbidden, status.Status);
        Assert.Equal($"pods \"web-0\" is forbidden: User \"{user}\" cannot patch resource \"pods/status\" in API group \"\" in the namespace \"{ns}\"",
            status.Object["message"]!.GetValue<string>());
        Assert.Equal("""{"name":"web-0","kind":"pods"}""", status.Object["details"]!.ToJsonString());

        Assert.Null(fixture.Server.Store.Get("configmaps", ns, "c"));
        Assert.Equal(1, fixture.Server.Counters.Count(verb: "create", resource: "configmaps", user: user, status: 403));
        var audit = fixture.Server.Audit.Entries.Where(e => e["user"]!["username"]!.GetValue<string>() == user).ToList();
        Assert.Equal(["create", "patch"], audit.Select(e => e["verb"]!.GetValue<string>()));
        Assert.Equal([403, 403], audit.Select(e => e["responseStatus"]!["code"]!.GetValue<int>()));
    }

    [Fact]
    public async Task A_role_binding_grants_its_namespace_only_and_can_i_agrees()
    {
        Assert.True(Kubectl.Available, "/usr/bin/kubectl is required");
        var ns = await fixture.NewNamespaceAsync("granted");
        var other = await fixture.NewNamespaceAsync("other");
        var account = fixture.Unique("sa");
        var user = $"system:serviceaccount:{ns}:{account}";
        (await fixture.Http.PostJsonAsync($"/api/v1/namespaces/{ns}/pods", Pod("web-0"))).Expect(HttpStatusCode.Created);
        var kubectl = await fixture.KubectlForServiceAccountAsync(ns, account);

        var before = await kubectl.RunAsync("auth", "can-i", "list", "pods", "-n", ns);
        Assert.Equal((1, "no"), (before.ExitCode, before.Stdout.Trim()));

        (await fixture.Admin.RunAsync(["apply", "-f", "-"], PodReader(ns, account))).EnsureSuccess();

        var pods = (await kubectl.RunAsync("get", "pods", "-n", ns, "-o", "name")).EnsureSuccess();
        Assert.Equal("pod/web-0", pods.Stdout.Trim());
        var one = (await kubectl.RunAsync("get", "pod", "web-0", "-n", ns, "-o", "jsonpath={.metadata.name}")).EnsureSuccess();
        Assert.Equal("web-0", one.Stdout);
        AssertForbidden(await kubectl.RunAsync("get", "pods", "-n", other),
            $"pods is forbidden: User \"{user}\" cannot list resource \"pods\" in API group \"\" in the namespace \"{other}\"");
        AssertForbidden(await kubectl.RunAsync("delete", "pod", "web-0", "-n", ns),
            $"pods \"web-0\" is forbidden: User \"{user}\" cannot delete resource \"pods\" in API group \"\" in the namespace \"{ns}\"");
        Assert.NotNull(fixture.Server.Store.Get("pods", ns, "web-0"));

        var yes = await kubectl.RunAsync("auth", "can-i", "list", "pods", "-n", ns);
        Assert.Equal((0, "yes"), (yes.ExitCode, yes.Stdout.Trim()));
        var elsewhere = await kubectl.RunAsync("auth", "can-i", "list", "pods", "-n", other);
        Assert.Equal((1, "no"), (elsewhere.ExitCode, elsewhere.Stdout.Trim()));
        var write = await kubectl.RunAsync("auth", "can-i", "delete", "pods", "-n", ns);
        Assert.Equal((1, "no"), (write.ExitCode, write.Stdout.Trim()));
        // The Role names "pods" only, which does not cover the status subresource.
        var subresource = await kubectl.RunAsync("auth", "can-i", "get", "pods", "--subresource=status", "-n", ns);
        Assert.Equal((1, "no"), (subresource.ExitCode, subresource.Stdout.Trim()));
        var admin = await fixture.Admin.RunAsync("auth", "can-i", "delete", "nodes");
        Assert.Equal((0, "yes"), (admin.ExitCode, admin.Stdout.Trim()));
    }

    [Fact]
    public async Task A_cluster_role_bound_to_a_group_grants_in_every_namespace_until_the_binding_goes()
    {
        Assert.True(Kubectl.Available, "/usr/bin/kubectl is required");
        var ns = await fixture.NewNamespaceAsync("group");
        var other = await fixture.NewNamespaceAsync("group-other");
        var role = fixture.Unique("configmap-reader");
        var kubectl = await fixture.KubectlForServiceAccountAsync(ns, fixture.Unique("sa"));
        (await fixture.Admin.RunAsync(["apply", "-f", "-"], $$"""
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata:
              name: {{role}}
            rules:
            - apiGroups: [""]
              resources: ["configmaps"]
              verbs: ["list"]
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRoleBinding
            metadata:
              name: {{role}}
            subjects:
            - kind: Group
              name: system:serviceaccounts:{{ns}}
              apiGroup: rbac.authorization.k8s.io
            roleRef:
              apiGroup: rbac.authorization.k8s.io
              kind: ClusterRole
              name: {{role}}
            """)).EnsureSuccess();

        (await kubectl.RunAsync("get", "configmaps", "-n", other)).EnsureSuccess();
        (await kubectl.RunAsync("get", "configmaps", "-A")).EnsureSuccess();

        (await fixture.Admin.RunAsync("delete", "clusterrolebinding", role)).EnsureSuccess();
        var after = await kubectl.RunAsync("get", "configmaps", "-n", other);
        Assert.NotEqual(0, after.ExitCode);
        Assert.Contains("Error from server (Forbidden): configmaps is forbidden", after.Stderr, StringComparison.Ordinal);
    }
}
