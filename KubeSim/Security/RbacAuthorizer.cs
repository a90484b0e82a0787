using System.Text;
using System.Text.Json.Nodes;
using MultigresOrleans.KubeSim.Api;
using MultigresOrleans.KubeSim.Storage;

namespace MultigresOrleans.KubeSim.Security;

/// <summary>
/// What the authorizer judges for one resource request, named like the API server's
/// authorizer.Attributes: the namespace is empty for cluster-scoped and all-namespace requests,
/// the name empty when the request names no object.
/// </summary>
public sealed record ResourceAttributes(string Verb, string Group, string Resource, string Subresource = "", string Namespace = "", string Name = "")
{
    /// <summary>"pods" or "pods/status": what rules' `resources` are compared with.</summary>
    public string CombinedResource => Subresource.Length == 0 ? Resource : $"{Resource}/{Subresource}";
}

/// <summary>One rbac.authorization.k8s.io/v1 PolicyRule (nonResourceURLs are not kept: KubeSim never checks them).</summary>
public sealed record PolicyRule(IReadOnlyList<string> Verbs, IReadOnlyList<string> ApiGroups, IReadOnlyList<string> Resources, IReadOnlyList<string> ResourceNames);

/// <summary>A binding's subject; Namespace only matters for ServiceAccounts.</summary>
public sealed record RbacSubject(string Kind, string Name, string Namespace = "");

/// <summary>A Role (Namespace set) or ClusterRole (Namespace empty).</summary>
public sealed record RbacRole(string Kind, string Name, string Namespace, IReadOnlyList<PolicyRule> Rules);

/// <summary>A RoleBinding (Namespace set) or ClusterRoleBinding (Namespace empty) and the role it grants.</summary>
public sealed record RbacBinding(string Kind, string Name, string Namespace, string RoleKind, string RoleName, IReadOnlyList<RbacSubject> Subjects);

/// <summary>The RBAC objects a decision may consult.</summary>
public sealed record RbacPolicy(IReadOnlyList<RbacRole> Roles, IReadOnlyList<RbacBinding> Bindings)
{
    public static RbacPolicy Empty { get; } = new([], []);

    /// <summary>A Role in <paramref name="ns"/> or a ClusterRole (<paramref name="ns"/> empty) by name.</summary>
    public RbacRole? FindRole(string kind, string ns, string name) =>
        Roles.FirstOrDefault(r => r.Kind == kind && r.Name == name && r.Namespace == ns);
}

/// <summary>An authorization answer; Reason is what the API server would report (possibly empty).</summary>
public sealed record AuthorizationDecision(bool Allowed, string Reason);

/// <summary>
/// Opt-in RBAC (<see cref="KubeSimOptions.EnforceRbac"/>), modelled on kube-apiserver's RBAC
/// authorizer so a test can prove a set of manifests grants what a client does. <see cref="Decide"/>
/// is the pure rule evaluation; an instance reads Roles, ClusterRoles, RoleBindings and
/// ClusterRoleBindings from the store at request time, so a binding applied by kubectl takes effect
/// on the next request, as it does (after informer lag) on a real server.
/// Not emulated: ClusterRole aggregationRule (only a role's own rules count), nonResourceURLs
/// (non-resource paths are always allowed), escalate/bind checks on RBAC writes. Impersonation is
/// judged by the request handler with this authorizer (the impersonate verb).
/// </summary>
public sealed class RbacAuthorizer(ObjectStore store)
{
    public const string RoleKind = "Role";
    public const string ClusterRoleKind = "ClusterRole";
    public const string RoleBindingKind = "RoleBinding";
    public const string ClusterRoleBindingKind = "ClusterRoleBinding";
    public const string Group = "rbac.authorization.k8s.io";

    /// <summary>The group whose members bypass authorization, like the API server's privileged-group authorizer.</summary>
    public const string MastersGroup = "system:masters";

    /// <summary>
    /// The bootstrap policy's system:basic-user binding, which every real cluster has: any
    /// authenticated user may ask what it may do (`kubectl auth can-i`). KubeSim stores no
    /// bootstrap RBAC objects, so this one grant is built in.
    /// </summary>
    private static readonly RbacRole BasicUser = new(ClusterRoleKind, "system:basic-user", "",
    [
        new PolicyRule(["create"], ["authorization.k8s.io"], ["selfsubjectaccessreviews", "selfsubjectrulesreviews"], []),
        new PolicyRule(["create"], ["authentication.k8s.io"], ["selfsubjectreviews"], []),
    ]);

    private static readonly RbacBinding BasicUserBinding = new(ClusterRoleBindingKind, "system:basic-user", "", ClusterRoleKind, "system:basic-user",
        [new RbacSubject("Group", "system:authenticated")]);

    /// <summary>Judges a request against the RBAC objects currently stored.</summary>
    public AuthorizationDecision Authorize(UserInfo user, ResourceAttributes request)
    {
        if (IsPrivileged(user))
            return new AuthorizationDecision(true, "");
        return Decide(user, request, ReadPolicy(request.Namespace));
    }

    /// <summary>
    /// Only what a request in <paramref name="ns"/> can use: all cluster roles and cluster role
    /// bindings, plus the roles and role bindings of that namespace (none for cluster scope).
    /// </summary>
    private RbacPolicy ReadPolicy(string ns)
    {
        var roles = new List<RbacRole>();
        var bindings = new List<RbacBinding>();
        foreach (var obj in store.List($"clusterroles.{Group}", null).Items)
            roles.Add(ParseRole(ClusterRoleKind, obj));
        foreach (var obj in store.List($"clusterrolebindings.{Group}", null).Items)
            bindings.Add(ParseBinding(ClusterRoleBindingKind, obj));
        if (ns.Length > 0)
        {
            foreach (var obj in store.List($"roles.{Group}", ns).Items)
                roles.Add(ParseRole(RoleKind, obj));
            foreach (var obj in store.List($"rolebindings.{Group}", ns).Items)
                bindings.Add(ParseBinding(RoleBindingKind, obj));
        }
        return new RbacPolicy(roles, bindings);
    }

    public static bool IsPrivileged(UserInfo user) =>
        ReferenceEquals(user, UserInfo.Admin) || user.Groups.Contains(MastersGroup, StringComparer.Ordinal);

    /// <summary>
    /// The RBAC decision, visiting bindings the way the real rule resolver does: cluster role
    /// bindings first (they apply in every namespace and at cluster scope), then, for a namespaced
    /// request, the role bindings of that namespace. The first rule that allows wins; a binding
    /// whose role is missing contributes an error to the reason of a denial.
    /// </summary>
    public static AuthorizationDecision Decide(UserInfo user, ResourceAttributes request, RbacPolicy policy)
    {
        if (IsPrivileged(user))
            return new AuthorizationDecision(true, "");

        var errors = new List<string>();
        var clusterBindings = policy.Bindings.Where(b => b.Kind == ClusterRoleBindingKind).Prepend(BasicUserBinding);
        foreach (var binding in clusterBindings)
        {
            if (binding.Subjects.FirstOrDefault(s => AppliesTo(user, s, "")) is not { } subject)
                continue;
            var (role, error) = ReferenceEquals(binding, BasicUserBinding) ? (BasicUser, null) : ResolveRole(policy, binding);
            if (role is null)
            {
                errors.Add(error!);
                continue;
            }
            if (role.Rules.Any(r => RuleAllows(r, request)))
                return new AuthorizationDecision(true,
                    $"RBAC: allowed by ClusterRoleBinding {Quote(binding.Name)} of {binding.RoleKind} {Quote(binding.RoleName)} to {Describe(subject, "")}");
        }

        if (request.Namespace.Length > 0)
        {
            foreach (var binding in policy.Bindings.Where(b => b.Kind == RoleBindingKind && b.Namespace == request.Namespace))
            {
                if (binding.Subjects.FirstOrDefault(s => AppliesTo(user, s, binding.Namespace)) is not { } subject)
                    continue;
                var (role, error) = ResolveRole(policy, binding);
                if (role is null)
                {
                    errors.Add(error!);
                    continue;
                }
                if (role.Rules.Any(r => RuleAllows(r, request)))
                    return new AuthorizationDecision(true,
                        $"RBAC: allowed by RoleBinding {Quote(binding.Name + "/" + binding.Namespace)} of {binding.RoleKind} {Quote(binding.RoleName)} to {Describe(subject, binding.Namespace)}");
            }
        }

        // Like utilerrors.NewAggregate: one error as is, several in brackets.
        var reason = errors.Count switch
        {
            0 => "",
            1 => "RBAC: " + errors[0],
            _ => "RBAC: [" + string.Join(", ", errors) + "]",
        };
        return new AuthorizationDecision(false, reason);
    }

    /// <summary>Whether a binding's subject is this user; a ServiceAccount without a namespace means the binding's own.</summary>
    public static bool AppliesTo(UserInfo user, RbacSubject subject, string bindingNamespace)
    {
        switch (subject.Kind)
        {
            case "User":
                return user.Username == subject.Name;
            case "Group":
                return user.Groups.Contains(subject.Name, StringComparer.Ordinal);
            case "ServiceAccount":
                var ns = subject.Namespace.Length > 0 ? subject.Namespace : bindingNamespace;
                return ns.Length > 0 && user.Username == $"system:serviceaccount:{ns}:{subject.Name}";
            default:
                return false;
        }
    }

    /// <summary>RuleAllows for resource requests: verb, API group, resource (with subresource) and resource name must all match.</summary>
    public static bool RuleAllows(PolicyRule rule, ResourceAttributes request) =>
        rule.Verbs.Any(v => v == "*" || v == request.Verb)
        && rule.ApiGroups.Any(g => g == "*" || g == request.Group)
        && ResourceMatches(rule, request)
        && (rule.ResourceNames.Count == 0 || rule.ResourceNames.Contains(request.Name, StringComparer.Ordinal));

    /// <summary>
    /// `*` matches everything, otherwise the rule names the exact "resource" or "resource/subresource";
    /// `*/sub` matches that subresource of any resource. A plain resource never covers its subresources.
    /// </summary>
    private static bool ResourceMatches(PolicyRule rule, ResourceAttributes request)
    {
        var combined = request.CombinedResource;
        foreach (var resource in rule.Resources)
        {
            if (resource == "*" || resource == combined)
                return true;
            if (request.Subresource.Length > 0 && resource == "*/" + request.Subresource)
                return true;
        }
        return false;
    }

    /// <summary>
    /// What follows "is forbidden: " in the API server's 403 message: who, which verb, which
    /// resource (with its subresource) and API group, and where.
    /// </summary>
    public static string ForbiddenMessage(UserInfo user, ResourceAttributes request, string reason)
    {
        var where = request.Namespace.Length > 0 ? $"in the namespace {Quote(request.Namespace)}" : "at the cluster scope";
        var message = $"User {Quote(user.Username)} cannot {request.Verb} resource {Quote(request.CombinedResource)} in API group {Quote(request.Group)} {where}";
        return reason.Length > 0 ? $"{message}: {reason}" : message;
    }

    /// <summary>
    /// The name a request is about: the one in its path, or, for a list or watch, the one a
    /// `metadata.name=` field selector pins (the real request-info resolver does the same, so
    /// resourceNames rules apply to single-object informers).
    /// </summary>
    public static string NameOf(string? pathName, string verb, string? fieldSelector)
    {
        if (pathName is not null)
            return pathName;
        if (verb is not ("list" or "watch") || string.IsNullOrEmpty(fieldSelector))
            return "";
        foreach (var term in fieldSelector.Split(','))
        {
            var trimmed = term.Trim();
            foreach (var prefix in (string[])["metadata.name==", "metadata.name="])
            {
                if (trimmed.StartsWith(prefix, StringComparison.Ordinal))
                {
                    var name = trimmed[prefix.Length..];
                    return name.Length > 0 && name != "." && name != ".." && !name.Contains('/', StringComparison.Ordinal) && !name.Contains('%', StringComparison.Ordinal) ? name : "";
                }
            }
        }
        return "";
    }

    /// <summary>A SelfSubjectAccessReview's spec.resourceAttributes as request attributes (null when absent).</summary>
    public static ResourceAttributes? FromReviewSpec(JsonObject? spec)
    {
        if (spec?["resourceAttributes"] is not JsonObject attributes)
            return null;
        string Field(string name) => attributes[name]?.GetValue<string>() ?? "";
        return new ResourceAttributes(Field("verb"), Field("group"), Field("resource"), Field("subresource"), Field("namespace"), Field("name"));
    }

    /// <summary>
    /// The role a binding grants: a Role in the binding's namespace (a cluster role binding has
    /// none, so its Role reference is never found) or a ClusterRole; else the real resolver's error.
    /// </summary>
    private static (RbacRole? Role, string? Error) ResolveRole(RbacPolicy policy, RbacBinding binding)
    {
        if (binding.RoleKind is not (RoleKind or ClusterRoleKind))
            return (null, $"unsupported role reference kind: {Quote(binding.RoleKind)}");
        var ns = binding.RoleKind == RoleKind ? binding.Namespace : "";
        var role = ns.Length == 0 && binding.RoleKind == RoleKind ? null : policy.FindRole(binding.RoleKind, ns, binding.RoleName);
        return role is null ? (null, $"{binding.RoleKind.ToLowerInvariant()}.{Group} {Quote(binding.RoleName)} not found") : (role, null);
    }

    private static string Describe(RbacSubject subject, string bindingNamespace) => subject.Kind == "ServiceAccount"
        ? $"{subject.Kind} {Quote(subject.Name + "/" + (subject.Namespace.Length > 0 ? subject.Namespace : bindingNamespace))}"
        : $"{subject.Kind} {Quote(subject.Name)}";

    /// <summary>Go's %q for the plain strings that appear in names and messages.</summary>
    private static string Quote(string s)
    {
        var builder = new StringBuilder("\"");
        foreach (var c in s)
        {
            if (c is '"' or '\\')
                builder.Append('\\');
            builder.Append(c);
        }
        return builder.Append('"').ToString();
    }

    public static RbacRole ParseRole(string kind, JsonObject obj)
    {
        var rules = new List<PolicyRule>();
        if (obj["rules"] is JsonArray array)
        {
            foreach (var rule in array.OfType<JsonObject>())
                rules.Add(new PolicyRule(Strings(rule["verbs"]), Strings(rule["apiGroups"]), Strings(rule["resources"]), Strings(rule["resourceNames"])));
        }
        return new RbacRole(kind, MetadataString(obj, "name"), MetadataString(obj, "namespace"), rules);
    }

    public static RbacBinding ParseBinding(string kind, JsonObject obj)
    {
        var subjects = new List<RbacSubject>();
        if (obj["subjects"] is JsonArray array)
        {
            foreach (var subject in array.OfType<JsonObject>())
                subjects.Add(new RbacSubject(String(subject["kind"]), String(subject["name"]), String(subject["namespace"])));
        }
        return new RbacBinding(kind, MetadataString(obj, "name"), MetadataString(obj, "namespace"),
            String(obj["roleRef"]?["kind"]), String(obj["roleRef"]?["name"]), subjects);
    }

    private static string MetadataString(JsonObject obj, string field) => String(obj["metadata"]?[field]);

    private static string String(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var s) ? s : "";

    private static List<string> Strings(JsonNode? node) =>
        node is JsonArray array ? [.. array.Select(String)] : [];
}
