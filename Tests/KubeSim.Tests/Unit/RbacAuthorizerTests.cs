using System.Text.Json.Nodes;
using MultigresOrleans.KubeSim.Api;
using MultigresOrleans.KubeSim.Http;
using MultigresOrleans.KubeSim.Security;

namespace MultigresOrleans.KubeSim.Tests.Unit;

/// <summary>The RBAC decision rules, checked against kube-apiserver's semantics without a server.</summary>
public sealed class RbacAuthorizerTests
{
    private static readonly UserInfo Bob = new("bob", ["devs", "system:authenticated"]);
    private static readonly UserInfo Operator = new("system:serviceaccount:ops:operator", ["system:serviceaccounts", "system:serviceaccounts:ops", "system:authenticated"]);

    private static PolicyRule Rule(string[] verbs, string[] groups, string[] resources, string[]? names = null) =>
        new(verbs, groups, resources, names ?? []);

    private static ResourceAttributes Request(string verb, string resource, string ns = "default", string name = "", string group = "", string subresource = "") =>
        new(verb, group, resource, subresource, ns, name);

    private static bool Allows(PolicyRule rule, ResourceAttributes request) => RbacAuthorizer.RuleAllows(rule, request);

    /// <summary>One ClusterRole with these rules, bound cluster-wide to bob.</summary>
    private static RbacPolicy BobClusterWide(params PolicyRule[] rules) => new(
        [new RbacRole(RbacAuthorizer.ClusterRoleKind, "r", "", rules)],
        [new RbacBinding(RbacAuthorizer.ClusterRoleBindingKind, "b", "", RbacAuthorizer.ClusterRoleKind, "r", [new RbacSubject("User", "bob")])]);

    [Fact]
    public void Verbs_groups_and_resources_must_all_match()
    {
        var rule = Rule(["get", "list"], [""], ["pods"]);
        Assert.True(Allows(rule, Request("get", "pods")));
        Assert.True(Allows(rule, Request("list", "pods")));
        Assert.False(Allows(rule, Request("delete", "pods")));
        Assert.False(Allows(rule, Request("get", "configmaps")));
        Assert.False(Allows(rule, Request("get", "pods", group: "apps")));
    }

    [Fact]
    public void Wildcards_match_any_verb_group_and_resource()
    {
        Assert.True(Allows(Rule(["*"], [""], ["pods"]), Request("deletecollection", "pods")));
        Assert.True(Allows(Rule(["get"], ["*"], ["statefulsets"]), Request("get", "statefulsets", group: "apps")));
        Assert.True(Allows(Rule(["get"], ["apps"], ["*"]), Request("get", "deployments", group: "apps")));
        Assert.True(Allows(Rule(["get"], ["apps"], ["*"]), Request("get", "deployments", group: "apps", subresource: "scale")));
        // A wildcard in the request only matches a wildcard in the rule (kubectl auth can-i '*' '*').
        Assert.False(Allows(Rule(["get"], [""], ["pods"]), Request("*", "pods")));
    }

    [Fact]
    public void A_resource_does_not_cover_its_subresources()
    {
        var pods = Rule(["update", "patch"], [""], ["pods"]);
        Assert.True(Allows(pods, Request("patch", "pods", name: "p")));
        Assert.False(Allows(pods, Request("patch", "pods", name: "p", subresource: "status")));

        var status = Rule(["update", "patch"], [""], ["pods/status"]);
        Assert.True(Allows(status, Request("patch", "pods", name: "p", subresource: "status")));
        Assert.False(Allows(status, Request("patch", "pods", name: "p")));
        Assert.False(Allows(status, Request("patch", "services", name: "p", subresource: "status")));
    }

    [Fact]
    public void Star_slash_subresource_matches_that_subresource_of_any_resource()
    {
        var scale = Rule(["get", "update"], ["*"], ["*/scale"]);
        Assert.True(Allows(scale, Request("update", "statefulsets", group: "apps", name: "s", subresource: "scale")));
        Assert.True(Allows(scale, Request("get", "deployments", group: "apps", name: "d", subresource: "scale")));
        Assert.False(Allows(scale, Request("get", "deployments", group: "apps", name: "d")));
        Assert.False(Allows(scale, Request("get", "deployments", group: "apps", name: "d", subresource: "status")));
    }

    [Fact]
    public void Resource_names_restrict_a_rule_to_requests_naming_one_of_them()
    {
        var rule = Rule(["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"], [""], ["configmaps"], ["lock"]);
        foreach (var verb in new[] { "get", "update", "patch", "delete" })
        {
            Assert.True(Allows(rule, Request(verb, "configmaps", name: "lock")), verb);
            Assert.False(Allows(rule, Request(verb, "configmaps", name: "other")), verb);
        }
        foreach (var verb in new[] { "list", "watch", "create", "deletecollection" })
            Assert.False(Allows(rule, Request(verb, "configmaps")), verb);
    }

    [Fact]
    public void A_list_or_watch_pinned_to_one_name_by_field_selector_is_a_named_request()
    {
        Assert.Equal("lock", RbacAuthorizer.NameOf(null, "watch", "metadata.name=lock"));
        Assert.Equal("lock", RbacAuthorizer.NameOf(null, "list", "metadata.namespace=x,metadata.name==lock"));
        Assert.Equal("", RbacAuthorizer.NameOf(null, "list", "metadata.name!=lock"));
        Assert.Equal("", RbacAuthorizer.NameOf(null, "list", null));
        Assert.Equal("", RbacAuthorizer.NameOf(null, "deletecollection", "metadata.name=lock"));
        Assert.Equal("p", RbacAuthorizer.NameOf("p", "get", "metadata.name=lock"));
    }

    [Fact]
    public void A_cluster_role_binding_grants_in_every_namespace_and_at_cluster_scope()
    {
        var policy = BobClusterWide(Rule(["list"], [""], ["pods", "nodes"]));
        Assert.True(RbacAuthorizer.Decide(Bob, Request("list", "pods", ns: "a"), policy).Allowed);
        Assert.True(RbacAuthorizer.Decide(Bob, Request("list", "pods", ns: "b"), policy).Allowed);
        Assert.True(RbacAuthorizer.Decide(Bob, Request("list", "pods", ns: ""), policy).Allowed);
        var nodes = RbacAuthorizer.Decide(Bob, Request("list", "nodes", ns: ""), policy);
        Assert.True(nodes.Allowed);
        Assert.Equal("RBAC: allowed by ClusterRoleBinding \"b\" of ClusterRole \"r\" to User \"bob\"", nodes.Reason);
        Assert.False(RbacAuthorizer.Decide(Operator, Request("list", "pods", ns: "a"), policy).Allowed);
    }

    [Fact]
    public void A_role_binding_grants_a_role_of_its_namespace_only_there()
    {
        var policy = new RbacPolicy(
            [new RbacRole(RbacAuthorizer.RoleKind, "pod-reader", "team", [Rule(["get", "list"], [""], ["pods"])])],
            [new RbacBinding(RbacAuthorizer.RoleBindingKind, "read", "team", RbacAuthorizer.RoleKind, "pod-reader", [new RbacSubject("User", "bob")])]);
        var inTeam = RbacAuthorizer.Decide(Bob, Request("list", "pods", ns: "team"), policy);
        Assert.True(inTeam.Allowed);
        Assert.Equal("RBAC: allowed by RoleBinding \"read/team\" of Role \"pod-reader\" to User \"bob\"", inTeam.Reason);
        Assert.False(RbacAuthorizer.Decide(Bob, Request("list", "pods", ns: "other"), policy).Allowed);
        Assert.False(RbacAuthorizer.Decide(Bob, Request("list", "pods", ns: ""), policy).Allowed);
    }

    [Fact]
    public void A_role_binding_never_uses_a_role_of_another_namespace()
    {
        var policy = new RbacPolicy(
            [new RbacRole(RbacAuthorizer.RoleKind, "pod-reader", "elsewhere", [Rule(["list"], [""], ["pods"])])],
            [new RbacBinding(RbacAuthorizer.RoleBindingKind, "read", "team", RbacAuthorizer.RoleKind, "pod-reader", [new RbacSubject("User", "bob")])]);
        var decision = RbacAuthorizer.Decide(Bob, Request("list", "pods", ns: "team"), policy);
        Assert.False(decision.Allowed);
        Assert.Equal("RBAC: role.rbac.authorization.k8s.io \"pod-reader\" not found", decision.Reason);
    }

    [Fact]
    public void A_role_binding_to_a_cluster_role_grants_its_rules_only_in_the_binding_namespace()
    {
        var policy = new RbacPolicy(
            [new RbacRole(RbacAuthorizer.ClusterRoleKind, "edit", "", [Rule(["*"], ["", "apps"], ["*"])])],
            [new RbacBinding(RbacAuthorizer.RoleBindingKind, "edit", "team", RbacAuthorizer.ClusterRoleKind, "edit", [new RbacSubject("Group", "devs")])]);
        Assert.True(RbacAuthorizer.Decide(Bob, Request("delete", "statefulsets", ns: "team", group: "apps", name: "s"), policy).Allowed);
        Assert.False(RbacAuthorizer.Decide(Bob, Request("delete", "statefulsets", ns: "other", group: "apps", name: "s"), policy).Allowed);
        Assert.False(RbacAuthorizer.Decide(Bob, Request("list", "namespaces", ns: ""), policy).Allowed);
    }

    [Fact]
    public void Subjects_match_users_groups_and_service_accounts()
    {
        Assert.True(RbacAuthorizer.AppliesTo(Bob, new RbacSubject("User", "bob"), ""));
        Assert.False(RbacAuthorizer.AppliesTo(Bob, new RbacSubject("User", "alice"), ""));
        Assert.True(RbacAuthorizer.AppliesTo(Bob, new RbacSubject("Group", "devs"), ""));
        Assert.False(RbacAuthorizer.AppliesTo(Bob, new RbacSubject("Group", "admins"), ""));
        Assert.True(RbacAuthorizer.AppliesTo(Operator, new RbacSubject("ServiceAccount", "operator", "ops"), ""));
        Assert.False(RbacAuthorizer.AppliesTo(Operator, new RbacSubject("ServiceAccount", "operator", "other"), ""));
        // A service account subject without a namespace means the binding's namespace; a cluster binding has none.
        Assert.True(RbacAuthorizer.AppliesTo(Operator, new RbacSubject("ServiceAccount", "operator"), "ops"));
        Assert.False(RbacAuthorizer.AppliesTo(Operator, new RbacSubject("ServiceAccount", "operator"), ""));
        // The username alone does not make a user a service account subject of another name.
        Assert.False(RbacAuthorizer.AppliesTo(Bob, new RbacSubject("ServiceAccount", "bob", "ops"), ""));
        Assert.True(RbacAuthorizer.AppliesTo(Operator, new RbacSubject("Group", "system:serviceaccounts:ops"), ""));
    }

    [Fact]
    public void Service_account_grants_are_described_with_their_namespace()
    {
        var policy = new RbacPolicy(
            [new RbacRole(RbacAuthorizer.ClusterRoleKind, "operator", "", [Rule(["watch"], ["multigres.com"], ["multigresclusters"])])],
            [new RbacBinding(RbacAuthorizer.ClusterRoleBindingKind, "operator", "", RbacAuthorizer.ClusterRoleKind, "operator",
                [new RbacSubject("User", "someone-else"), new RbacSubject("ServiceAccount", "operator", "ops")])]);
        var decision = RbacAuthorizer.Decide(Operator, Request("watch", "multigresclusters", ns: "", group: "multigres.com"), policy);
        Assert.True(decision.Allowed);
        Assert.Equal("RBAC: allowed by ClusterRoleBinding \"operator\" of ClusterRole \"operator\" to ServiceAccount \"operator/ops\"", decision.Reason);
    }

    [Fact]
    public void Nothing_is_allowed_without_a_binding_and_missing_roles_are_reported()
    {
        Assert.Equal(new AuthorizationDecision(false, ""), RbacAuthorizer.Decide(Bob, Request("get", "pods", name: "p"), RbacPolicy.Empty));

        var dangling = new RbacPolicy([],
        [
            new RbacBinding(RbacAuthorizer.ClusterRoleBindingKind, "b1", "", RbacAuthorizer.ClusterRoleKind, "gone", [new RbacSubject("User", "bob")]),
            new RbacBinding(RbacAuthorizer.ClusterRoleBindingKind, "b2", "", RbacAuthorizer.ClusterRoleKind, "not-mine", [new RbacSubject("User", "alice")]),
            new RbacBinding(RbacAuthorizer.RoleBindingKind, "b3", "default", RbacAuthorizer.RoleKind, "also-gone", [new RbacSubject("Group", "devs")]),
        ]);
        var decision = RbacAuthorizer.Decide(Bob, Request("get", "pods", name: "p"), dangling);
        Assert.False(decision.Allowed);
        Assert.Equal("RBAC: [clusterrole.rbac.authorization.k8s.io \"gone\" not found, role.rbac.authorization.k8s.io \"also-gone\" not found]", decision.Reason);
    }

    [Fact]
    public void System_masters_and_the_admin_bypass_rbac()
    {
        var request = Request("delete", "namespaces", ns: "kube-system", name: "kube-system");
        Assert.True(RbacAuthorizer.Decide(UserInfo.Admin, request, RbacPolicy.Empty).Allowed);
        Assert.True(RbacAuthorizer.Decide(new UserInfo("root", ["system:masters"]), request, RbacPolicy.Empty).Allowed);
        Assert.False(RbacAuthorizer.Decide(new UserInfo("kubernetes-admin", ["system:authenticated"]), request, RbacPolicy.Empty).Allowed);
    }

    [Fact]
    public void Every_authenticated_user_may_review_its_own_access()
    {
        var review = Request("create", "selfsubjectaccessreviews", ns: "", group: "authorization.k8s.io");
        var decision = RbacAuthorizer.Decide(Bob, review, RbacPolicy.Empty);
        Assert.True(decision.Allowed);
        Assert.Equal("RBAC: allowed by ClusterRoleBinding \"system:basic-user\" of ClusterRole \"system:basic-user\" to Group \"system:authenticated\"", decision.Reason);
        Assert.False(RbacAuthorizer.Decide(UserInfo.Anonymous, review, RbacPolicy.Empty).Allowed);
    }

    [Fact]
    public void Forbidden_messages_match_the_api_server()
    {
        var sa = new UserInfo("system:serviceaccount:ns:sa", []);
        Assert.Equal("User \"system:serviceaccount:ns:sa\" cannot get resource \"pods\" in API group \"\" in the namespace \"default\"",
            RbacAuthorizer.ForbiddenMessage(sa, Request("get", "pods", name: "web-0"), ""));
        Assert.Equal("User \"bob\" cannot list resource \"nodes\" in API group \"\" at the cluster scope",
            RbacAuthorizer.ForbiddenMessage(Bob, Request("list", "nodes", ns: ""), ""));
        Assert.Equal("User \"bob\" cannot patch resource \"pods/status\" in API group \"\" in the namespace \"default\": RBAC: role.rbac.authorization.k8s.io \"x\" not found",
            RbacAuthorizer.ForbiddenMessage(Bob, Request("patch", "pods", name: "p", subresource: "status"), "RBAC: role.rbac.authorization.k8s.io \"x\" not found"));

        var named = Http.ApiException.AuthorizationDenied("", "pods", "web-0", RbacAuthorizer.ForbiddenMessage(sa, Request("get", "pods", name: "web-0"), ""));
        Assert.Equal(403, named.Code);
        Assert.Equal("pods \"web-0\" is forbidden: User \"system:serviceaccount:ns:sa\" cannot get resource \"pods\" in API group \"\" in the namespace \"default\"", named.Message);
        Assert.Equal("""{"name":"web-0","kind":"pods"}""", named.ToStatus()["details"]!.ToJsonString());
        var unnamed = Http.ApiException.AuthorizationDenied("apps", "statefulsets", "", "x");
        Assert.Equal("statefulsets.apps is forbidden: x", unnamed.Message);
        Assert.Equal("Forbidden", unnamed.ToStatus()["reason"]!.GetValue<string>());
        Assert.Equal("""{"group":"apps","kind":"statefulsets"}""", unnamed.ToStatus()["details"]!.ToJsonString());
    }

    [Fact]
    public void Stored_objects_parse_into_roles_and_bindings()
    {
        var role = RbacAuthorizer.ParseRole(RbacAuthorizer.RoleKind, JsonNode.Parse("""
            {"metadata":{"name":"r","namespace":"team"},"rules":[
              {"apiGroups":[""],"resources":["configmaps"],"resourceNames":["lock"],"verbs":["get"]},
              {"nonResourceURLs":["/metrics"],"verbs":["get"]}]}
            """)!.AsObject());
        Assert.Equal("team", role.Namespace);
        Assert.Equal(["lock"], role.Rules[0].ResourceNames);
        // A nonResourceURLs rule has no resources, so it never allows a resource request.
        Assert.False(RbacAuthorizer.RuleAllows(role.Rules[1], Request("get", "configmaps", name: "lock")));

        var binding = RbacAuthorizer.ParseBinding(RbacAuthorizer.RoleBindingKind, JsonNode.Parse("""
            {"metadata":{"name":"b","namespace":"team"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"view"},
             "subjects":[{"kind":"ServiceAccount","name":"sa"},{"kind":"Group","apiGroup":"rbac.authorization.k8s.io","name":"devs"}]}
            """)!.AsObject());
        Assert.Equal(("ClusterRole", "view"), (binding.RoleKind, binding.RoleName));
        Assert.Equal([new RbacSubject("ServiceAccount", "sa"), new RbacSubject("Group", "devs")], binding.Subjects);
    }

    [Fact]
    public void Protobuf_access_reviews_decode_their_resource_attributes()
    {
        // Hand-encoded k8s envelope: TypeMeta, then SelfSubjectAccessReview{spec{resourceAttributes{namespace, verb, resource, subresource}}}.
        var attributes = Concat(Str(1, "team"), Str(2, "patch"), Str(5, "pods"), Str(6, "status"));
        var review = Concat(Bytes(1, []), Bytes(2, Bytes(1, attributes)));
        var typeMeta = Concat(Str(1, "authorization.k8s.io/v1"), Str(2, "SelfSubjectAccessReview"));
        var body = Concat("k8s\0"u8.ToArray(), Bytes(1, typeMeta), Bytes(2, review));

        var decoded = ProtobufDecoder.Decode(body);
        Assert.Equal("SelfSubjectAccessReview", decoded["kind"]!.GetValue<string>());
        Assert.Equal(new ResourceAttributes("patch", "", "pods", "status", "team", ""),
            RbacAuthorizer.FromReviewSpec(decoded["spec"] as JsonObject));
        Assert.Equal(400, Assert.Throws<ApiException>(() => ProtobufDecoder.Decode([1, 2, 3, 4])).Code);
    }

    private static byte[] Str(int field, string value) => Bytes(field, System.Text.Encoding.UTF8.GetBytes(value));

    private static byte[] Bytes(int field, byte[] value) => Concat([(byte)((field << 3) | 2), (byte)value.Length], value);

    private static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];
}
