using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MultigresOrleans.KubeSim.Api;
using MultigresOrleans.KubeSim.Observability;
using MultigresOrleans.KubeSim.Security;
using MultigresOrleans.KubeSim.Selectors;
using MultigresOrleans.KubeSim.Storage;
using MultigresOrleans.KubeSim.Tables;

namespace MultigresOrleans.KubeSim.Http;

/// <summary>
/// The single entry point for every request: authentication, the non-resource endpoints (version,
/// health, discovery, OpenAPI) and the REST verbs on resources, resolved like the API server's
/// request-info resolver. Errors become metav1.Status bodies; every resource request is counted and
/// every write audited.
/// </summary>
internal sealed partial class ApiHandler(
    ResourceService service,
    ResourceRegistry registry,
    DiscoveryEndpoints discovery,
    OpenApiEndpoints openApi,
    WatchEndpoint watch,
    TableConverter tables,
    TokenAuthenticator authenticator,
    KubeSimOptions options,
    RequestCounters counters,
    AuditLog audit,
    TimeProvider time,
    ILogger<ApiHandler> logger)
{
    public async Task HandleAsync(HttpContext http)
    {
        var path = http.Request.Path.Value ?? "/";
        if (options.LogRequests)
            LogRequest(http.Request.Method, path + http.Request.QueryString, http.Request.Headers.Accept.ToString(), http.Request.ContentType ?? "");
        var user = authenticator.Authenticate(http.Request.Headers.Authorization);
        try
        {
            if (user is null)
                throw new ApiException(401, "Unauthorized", "Unauthorized");
            user = Impersonate(user, http.Request.Headers);
            await RouteAsync(http, path.TrimEnd('/'), user);
        }
        catch (ApiException e)
        {
            // Warnings gathered before a failure (e.g. from a mutating webhook) still reach the client.
            if (!http.Response.HasStarted)
            {
                if (e.Details?["retryAfterSeconds"] is JsonValue retryAfter)
                    http.Response.Headers.RetryAfter = retryAfter.ToString();
                await HttpJson.WriteAsync(http, e.Code, e.ToStatus(), http.Items[ContextKey] as RequestContext);
            }
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or YamlDotNet.Core.YamlException)
        {
            if (!http.Response.HasStarted)
                await HttpJson.WriteAsync(http, 400, ApiException.BadRequest(e.Message).ToStatus());
        }
        finally
        {
            if (options.LogRequests)
                LogResponse(http.Request.Method, path, http.Response.StatusCode);
        }
    }

    private async Task RouteAsync(HttpContext http, string path, UserInfo user)
    {
        switch (path)
        {
            case "/version":
                await HttpJson.WriteAsync(http, 200, KubeSimVersion.Document());
                return;
            case "/healthz" or "/readyz" or "/livez":
            case var p when p.StartsWith("/healthz/", StringComparison.Ordinal) || p.StartsWith("/readyz/", StringComparison.Ordinal) || p.StartsWith("/livez/", StringComparison.Ordinal):
                http.Response.ContentType = "text/plain; charset=utf-8";
                await http.Response.WriteAsync("ok", http.RequestAborted);
                return;
            case "/api":
                if (HttpJson.WantsAggregatedDiscovery(http.Request))
                    await HttpJson.WriteAsync(http, 200, discovery.Aggregated(core: true), contentType: DiscoveryEndpoints.AggregatedContentType);
                else
                    await HttpJson.WriteAsync(http, 200, discovery.CoreVersions($"{http.Request.Host}"));
                return;
            case "/apis":
                if (HttpJson.WantsAggregatedDiscovery(http.Request))
                    await HttpJson.WriteAsync(http, 200, discovery.Aggregated(core: false), contentType: DiscoveryEndpoints.AggregatedContentType);
                else
                    await HttpJson.WriteAsync(http, 200, discovery.GroupList());
                return;
            case "/openapi/v3":
                await HttpJson.WriteAsync(http, 200, openApi.Index());
                return;
        }

        if (path.StartsWith("/openapi/v3/", StringComparison.Ordinal))
        {
            var doc = openApi.DocumentFor(path["/openapi/v3/".Length..]) ?? throw NotFoundPath();
            await HttpJson.WriteAsync(http, 200, doc);
            return;
        }

        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Length >= 2 && segments[0] == "api")
        {
            if (segments[1] != "v1")
                throw NotFoundPath();
            if (segments.Length == 2)
            {
                await HttpJson.WriteAsync(http, 200, discovery.ResourceList("", "v1")!);
                return;
            }
            await HandleResourceAsync(http, "", "v1", segments[2..], user);
            return;
        }
        if (segments.Length >= 2 && segments[0] == "apis")
        {
            if (segments.Length == 2)
            {
                await HttpJson.WriteAsync(http, 200, discovery.Group(segments[1]) ?? throw NotFoundPath());
                return;
            }
            if (segments.Length == 3)
            {
                await HttpJson.WriteAsync(http, 200, discovery.ResourceList(segments[1], segments[2]) ?? throw NotFoundPath());
                return;
            }
            await HandleResourceAsync(http, segments[1], segments[2], segments[3..], user);
            return;
        }
        throw NotFoundPath();
    }

    private static ApiException NotFoundPath() =>
        new(404, "NotFound", "the server could not find the requested resource", new JsonObject());

    private async Task HandleResourceAsync(HttpContext http, string group, string version, string[] rest, UserInfo user)
    {
        var target = RequestTarget.Parse(group, version, rest) ?? throw NotFoundPath();
        var type = registry.Find(group, version, target.Resource) ?? throw NotFoundPath();
        if (!type.Namespaced && target.Namespace is not null)
            throw NotFoundPath();
        if (type.Namespaced && target.Namespace is null && target.Name is not null)
            throw NotFoundPath();
        if (target.Subresource is not ("" or "status" or "scale") || (target.Subresource == "status" && !type.HasStatus) || (target.Subresource == "scale" && type.Scale is null))
            throw NotFoundPath();

        var query = http.Request.Query;
        var method = http.Request.Method;
        var isWatch = target.LegacyWatch || query["watch"].ToString() is "true" or "1";
        var verb = (method, target.Name) switch
        {
            ("GET", null) => isWatch ? "watch" : "list",
            ("GET", _) => isWatch ? "watch" : "get",
            ("POST", null) => "create",
            ("PUT", not null) => "update",
            ("PATCH", not null) => "patch",
            ("DELETE", null) => "deletecollection",
            ("DELETE", not null) => "delete",
            _ => throw ApiException.MethodNotAllowed($"the server does not allow this method on the requested resource"),
        };

        var ns = target.Namespace ?? "";
        var (latency, failWith) = options.Faults.Decide(verb, type.Plural);
        if (latency > TimeSpan.Zero)
            await Task.Delay(latency, time, http.RequestAborted);
        int? failedWith = null;
        try
        {
            // Inside the try, so a denial is counted and (for writes) audited like any other failure.
            if (options.EnforceRbac)
                Authorize(user, type, target, verb, query["fieldSelector"]);
            if (failWith is { } code)
                throw InjectedFailure(code);
            var ctx = new RequestContext
            {
                User = user,
                DryRun = query["dryRun"].ToString() == "All",
                FieldManager = NullIfEmpty(query["fieldManager"]) ?? DefaultFieldManager(http.Request, verb),
                FieldValidation = ParseFieldValidation(query["fieldValidation"]),
                Force = query["force"].ToString() == "true",
            };
            if (verb == "watch")
                counters.Increment(verb, type.Plural, user.Username, 200);
            http.Items[ContextKey] = ctx;
            await ExecuteAsync(http, type, target, ns, verb, ctx);
        }
        catch (ApiException e)
        {
            failedWith = e.Code;
            throw;
        }
        finally
        {
            var status = failedWith ?? http.Response.StatusCode;
            // Watches are counted when they start, so tests can wait for a client's watch to be open.
            if (verb != "watch" || status != 200)
                counters.Increment(verb, type.Plural, user.Username, status);
            if (verb is "create" or "update" or "patch" or "delete" or "deletecollection")
                audit.Record(verb, user.Username, group, type.Plural, target.Namespace, target.Name, target.Subresource, status,
                    verb is "create" or "update" or "patch" ? http.Items[WrittenKey] as System.Text.Json.Nodes.JsonObject : null);
        }
    }

    /// <summary>
    /// Throws the API server's 403 unless RBAC allows the request. The attributes follow the real
    /// request-info resolver: a named namespace is its own namespace, and a list or watch pinned to
    /// one name by a field selector is about that name.
    /// </summary>
    private void Authorize(UserInfo user, ResourceType type, RequestTarget target, string verb, string? fieldSelector)
    {
        if (RbacAuthorizer.IsPrivileged(user))
            return;
        var ns = target.Namespace ?? (type.Group.Length == 0 && type.Plural == "namespaces" && target.Name is not null ? target.Name : "");
        var attributes = new ResourceAttributes(verb, type.Group, type.Plural, target.Subresource, ns, RbacAuthorizer.NameOf(target.Name, verb, fieldSelector));
        var decision = rbac.Authorize(user, attributes);
        if (!decision.Allowed)
            throw ApiException.AuthorizationDenied(type.Group, type.Plural, attributes.Name, RbacAuthorizer.ForbiddenMessage(user, attributes, decision.Reason));
    }

    /// <summary>Reads the RBAC objects from the store on every check, so bindings take effect at once.</summary>
    private readonly RbacAuthorizer rbac = new(service.Store);

    /// <summary>
    /// <c>Impersonate-User</c>/<c>Impersonate-Group</c> (what <c>kubectl --as</c>/<c>--as-group</c> send): the request
    /// runs as that user, as on a real API server. With RBAC enforced a caller outside system:masters needs the
    /// <c>impersonate</c> verb on <c>users</c> (<c>serviceaccounts</c> in the account's namespace for a service account)
    /// and on <c>groups</c>; without enforcement everyone may. Ignoring the headers would make <c>--as</c> checks lie.
    /// </summary>
    private UserInfo Impersonate(UserInfo caller, IHeaderDictionary headers)
    {
        var asUser = headers["Impersonate-User"].ToString();
        var asGroups = headers["Impersonate-Group"].Where(g => !string.IsNullOrEmpty(g)).Select(g => g!).ToList();
        if (asUser.Length == 0)
        {
            if (asGroups.Count > 0)
                throw ApiException.BadRequest("requested impersonation of groups without impersonating a user");
            return caller;
        }

        var serviceAccount = asUser.StartsWith("system:serviceaccount:", StringComparison.Ordinal) ? asUser.Split(':') : null;
        if (options.EnforceRbac && !RbacAuthorizer.IsPrivileged(caller))
        {
            var checks = new List<ResourceAttributes>
            {
                serviceAccount is [_, _, var ns, var name]
                    ? new ResourceAttributes("impersonate", "", "serviceaccounts", "", ns, name)
                    : new ResourceAttributes("impersonate", "", "users", "", "", asUser),
            };
            checks.AddRange(asGroups.Select(g => new ResourceAttributes("impersonate", "", "groups", "", "", g)));
            foreach (var check in checks)
            {
                var decision = rbac.Authorize(caller, check);
                if (!decision.Allowed)
                    throw ApiException.AuthorizationDenied(check.Group, check.Resource, check.Name, RbacAuthorizer.ForbiddenMessage(caller, check, decision.Reason));
            }
        }

        // As the real server: a service account keeps its groups, and everyone impersonated is authenticated.
        var groups = new List<string>(asGroups);
        if (serviceAccount is [_, _, var accountNamespace, _])
            groups.AddRange(["system:serviceaccounts", $"system:serviceaccounts:{accountNamespace}"]);
        groups.Add("system:authenticated");
        return new UserInfo(asUser, [.. groups.Distinct(StringComparer.Ordinal)], "");
    }

    private const string ContextKey = "kubesim.request-context";

    /// <summary>The object a write stored, so the audit entry describes that version, not whatever the store holds by then.</summary>
    private const string WrittenKey = "kubesim.written-object";

    private static ApiException InjectedFailure(int code) => code switch
    {
        410 => ApiException.Gone("too old resource version (injected)"),
        // Like the real server's max-in-flight filter: Retry-After 1 in the header and in the Status details.
        429 => new ApiException(429, "TooManyRequests", "the server has received too many requests and has asked us to try again later (injected)",
            new JsonObject { ["retryAfterSeconds"] = 1 }),
        503 => new ApiException(503, "ServiceUnavailable", "the server is currently unable to handle the request (injected)"),
        409 => new ApiException(409, "Conflict", "the object has been modified; please apply your changes to the latest version and try again (injected)"),
        _ => ApiException.InternalError("injected fault"),
    };

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    /// <summary>Without fieldManager the real server names the manager after the User-Agent's program name.</summary>
    private static string? DefaultFieldManager(HttpRequest request, string verb)
    {
        var agent = request.Headers.UserAgent.ToString();
        if (agent.Length == 0 || verb is "get" or "list" or "watch")
            return null;
        var slash = agent.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 ? agent[..slash] : agent;
    }

    private static FieldValidation ParseFieldValidation(string? value) => value switch
    {
        null or "" or "Warn" => FieldValidation.Warn,
        "Strict" => FieldValidation.Strict,
        "Ignore" => FieldValidation.Ignore,
        _ => throw ApiException.BadRequest($"fieldValidation parameter unsupported: {value}"),
    };

    private async Task ExecuteAsync(HttpContext http, ResourceType type, RequestTarget target, string ns, string verb, RequestContext ctx)
    {
        var ct = http.RequestAborted;
        var name = target.Name;
        switch (verb)
        {
            case "get":
            {
                var obj = service.Get(type, ns, name!);
                if (target.Subresource == "scale")
                {
                    await HttpJson.WriteAsync(http, 200, ScaleSubresource.ToScale(type, obj));
                    return;
                }
                if (HttpJson.WantsTable(http.Request))
                    await HttpJson.WriteAsync(http, 200, tables.Convert(type, [obj], ObjectStore.ResourceVersionOf(obj), null, http.Request.Query["includeObject"]));
                else
                    await HttpJson.WriteAsync(http, 200, obj);
                return;
            }
            case "list":
                await ListAsync(http, type, target.Namespace);
                return;
            case "watch":
            {
                var fields = FieldSelector.Parse(http.Request.Query["fieldSelector"]);
                if (name is not null)
                    fields = FieldSelector.Parse(CombineSelectors(http.Request.Query["fieldSelector"], $"metadata.name={name}"));
                await watch.ServeAsync(http, type, target.Namespace, LabelSelector.Parse(http.Request.Query["labelSelector"]), fields);
                return;
            }
            case "create" when type.Group == "authorization.k8s.io" && !options.EnforceRbac:
            {
                // Authorization is not enforced, so every access review is allowed (and never stored).
                var review = await ReadObjectAsync(http);
                review["status"] = new JsonObject { ["allowed"] = true, ["reason"] = "KubeSim does not enforce authorization" };
                await HttpJson.WriteAsync(http, 201, review, ctx);
                return;
            }
            case "create" when type.Group == "authorization.k8s.io":
                await ReviewAccessAsync(http, ctx);
                return;
            case "create":
            {
                var body = await ReadObjectAsync(http);
                var created = await service.CreateAsync(type, ns, body, ctx, ct);
                http.Items[WrittenKey] = created;
                await HttpJson.WriteAsync(http, 201, created, ctx);
                return;
            }
            case "update":
            {
                var body = await ReadObjectAsync(http);
                if (target.Subresource == "scale")
                {
                    var current = service.Get(type, ns, name!);
                    var rv = body["metadata"]?["resourceVersion"]?.GetValue<string>();
                    var scaled = ScaleSubresource.FromScale(type, current, body, name!);
                    if (!string.IsNullOrEmpty(rv))
                        ObjectStore.Metadata(scaled)["resourceVersion"] = rv;
                    var written = await service.UpdateAsync(type, ns, name!, scaled, "", ctx, ct);
                    await HttpJson.WriteAsync(http, 200, ScaleSubresource.ToScale(type, written), ctx);
                    return;
                }
                var updated = await service.UpdateAsync(type, ns, name!, body, target.Subresource, ctx, ct);
                http.Items[WrittenKey] = updated;
                await HttpJson.WriteAsync(http, 200, updated, ctx);
                return;
            }
            case "patch":
            {
                var contentType = http.Request.ContentType ?? "";
                var text = await HttpJson.ReadBodyAsync(http.Request);
                var patched = await service.PatchAsync(type, ns, name!, contentType, text, target.Subresource, ctx, ct);
                http.Items[WrittenKey] = patched;
                await HttpJson.WriteAsync(http, ctx.Created ? 201 : 200, patched, ctx);
                return;
            }
            case "delete":
            {
                var options = await ReadDeleteOptionsAsync(http);
                var result = await service.DeleteAsync(type, ns, name!, options, ctx, ct);
                await HttpJson.WriteAsync(http, 200, result, ctx);
                return;
            }
            case "deletecollection":
            {
                var options = await ReadDeleteOptionsAsync(http);
                var labels = LabelSelector.Parse(http.Request.Query["labelSelector"]);
                var fields = FieldSelector.Parse(http.Request.Query["fieldSelector"]);
                var (items, _) = service.Store.List(type.StorageKey, target.Namespace);
                foreach (var item in items.Where(i => labels.Matches(i) && fields.Matches(i)))
                {
                    try
                    {
                        await service.DeleteAsync(type, item["metadata"]?["namespace"]?.GetValue<string>() ?? "", item["metadata"]!["name"]!.GetValue<string>(), options, ctx, ct);
                    }
                    catch (ApiException e) when (e.Code == 404)
                    {
                    }
                }
                await HttpJson.WriteAsync(http, 200, ApiException.StatusBody("Success", 200, null, null, null), ctx);
                return;
            }
        }
    }

    /// <summary>
    /// A SelfSubjectAccessReview under RBAC: the caller's access is judged by the same authorizer
    /// that guards requests, so `kubectl auth can-i` answers what the server would do. Non-resource
    /// paths are always allowed here, as they are when requested. Never stored.
    /// </summary>
    private async Task ReviewAccessAsync(HttpContext http, RequestContext ctx)
    {
        var review = await ReadObjectAsync(http); // kubectl sends it as protobuf
        var spec = review["spec"] as JsonObject;
        JsonObject status;
        if (RbacAuthorizer.FromReviewSpec(spec) is { } attributes)
        {
            var decision = RbacAuthorizer.IsPrivileged(ctx.User) ? new AuthorizationDecision(true, "") : rbac.Authorize(ctx.User, attributes);
            status = new JsonObject { ["allowed"] = decision.Allowed };
            if (decision.Reason.Length > 0)
                status["reason"] = decision.Reason;
        }
        else if (spec?["nonResourceAttributes"] is JsonObject)
        {
            status = new JsonObject { ["allowed"] = true, ["reason"] = "KubeSim does not authorize non-resource URLs" };
        }
        else
        {
            throw ApiException.Invalid("SelfSubjectAccessReview.authorization.k8s.io", "authorization.k8s.io", "SelfSubjectAccessReview", "",
                [("spec.resourceAttributes", "FieldValueRequired", "Required value: exactly one of nonResourceAttributes or resourceAttributes must be specified")]);
        }
        review["status"] = status;
        await HttpJson.WriteAsync(http, 201, review, ctx);
    }

    private static string CombineSelectors(string? a, string b) => string.IsNullOrEmpty(a) ? b : a + "," + b;

    private async Task ListAsync(HttpContext http, ResourceType type, string? ns)
    {
        var query = http.Request.Query;
        var labels = LabelSelector.Parse(query["labelSelector"]);
        var fields = FieldSelector.Parse(query["fieldSelector"]);
        var (all, rv) = service.Store.List(type.StorageKey, type.Namespaced ? ns : null);
        var matching = all.Where(i => labels.Matches(i) && fields.Matches(i)).ToList();

        // Continue tokens carry the last key returned; later pages read the current state (no snapshot).
        var continueToken = query["continue"].ToString();
        if (continueToken.Length > 0)
        {
            string lastKey;
            try
            {
                lastKey = Encoding.UTF8.GetString(Convert.FromBase64String(continueToken));
            }
            catch (FormatException)
            {
                throw ApiException.BadRequest("continue key is not valid: illegal base64 data");
            }
            matching = [.. matching.Where(i => string.CompareOrdinal(Key(i), lastKey) > 0)];
        }
        string? next = null;
        long? remaining = null;
        if (int.TryParse(query["limit"], NumberStyles.None, CultureInfo.InvariantCulture, out var limit) && limit > 0 && matching.Count > limit)
        {
            remaining = matching.Count - limit;
            matching = matching.Take(limit).ToList();
            next = Convert.ToBase64String(Encoding.UTF8.GetBytes(Key(matching[^1])));
        }
        var rvText = rv.ToString(CultureInfo.InvariantCulture);
        foreach (var item in matching)
            ResourceService.Present(type, item);
        if (HttpJson.WantsTable(http.Request))
        {
            await HttpJson.WriteAsync(http, 200, tables.Convert(type, matching, rvText, next, query["includeObject"]));
            return;
        }
        var metadata = new JsonObject { ["resourceVersion"] = rvText };
        if (next is not null)
        {
            metadata["continue"] = next;
            metadata["remainingItemCount"] = remaining;
        }
        var items = new JsonArray();
        foreach (var item in matching)
            items.Add(item);
        await HttpJson.WriteAsync(http, 200, new JsonObject
        {
            ["kind"] = type.ListKind,
            ["apiVersion"] = type.GroupVersion,
            ["metadata"] = metadata,
            ["items"] = items,
        });
    }

    private static string Key(JsonObject o) =>
        (o["metadata"]?["namespace"]?.GetValue<string>() ?? "") + "/" + (o["metadata"]?["name"]?.GetValue<string>() ?? "");

    private static async Task<JsonObject> ReadObjectAsync(HttpContext http)
    {
        var contentType = http.Request.ContentType ?? "application/json";
        if (contentType.StartsWith(ProtobufDecoder.ContentType, StringComparison.Ordinal))
        {
            using var buffer = new MemoryStream();
            await http.Request.Body.CopyToAsync(buffer, http.RequestAborted);
            return ProtobufDecoder.Decode(buffer.ToArray());
        }
        var text = await HttpJson.ReadBodyAsync(http.Request);
        JsonNode? node = contentType.Contains("yaml", StringComparison.Ordinal)
            ? Kubernetes.Yaml.YamlJson.Parse(text)
            : JsonNode.Parse(text);
        return node as JsonObject ?? throw ApiException.BadRequest("the request body must be a JSON object");
    }

    private static async Task<JsonObject?> ReadDeleteOptionsAsync(HttpContext http)
    {
        var text = await HttpJson.ReadBodyAsync(http.Request);
        var options = text.Trim().Length > 0 ? JsonNode.Parse(text) as JsonObject : null;
        var query = http.Request.Query;
        if (query["propagationPolicy"].ToString() is { Length: > 0 } policy)
        {
            options ??= new JsonObject();
            options["propagationPolicy"] = policy;
        }
        if (query["dryRun"].ToString() == "All")
        {
            options ??= new JsonObject();
            options["dryRun"] = new JsonArray("All");
        }
        return options;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Method} {Path} accept={Accept} content-type={ContentType}")]
    private partial void LogRequest(string method, string path, string accept, string contentType);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Method} {Path} -> {Status}")]
    private partial void LogResponse(string method, string path, int status);
}
