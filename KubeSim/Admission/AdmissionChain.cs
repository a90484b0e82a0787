using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using MultigresOrleans.KubeSim.Api;
using MultigresOrleans.KubeSim.Http;
using MultigresOrleans.KubeSim.Patching;
using MultigresOrleans.KubeSim.Security;
using MultigresOrleans.KubeSim.Storage;

namespace MultigresOrleans.KubeSim.Admission;

/// <summary>
/// Dynamic admission like the API server's: every matching mutating webhook in configuration-name
/// order (JSONPatch responses applied in turn), then every matching validating webhook, each
/// called with an AdmissionReview v1 over HTTPS verified against its caBundle, bounded by
/// timeoutSeconds, honouring failurePolicy; denials become the real server's errors and response
/// warnings reach the client as Warning headers. Service references resolve through
/// <see cref="KubeSimOptions.WebhookServices"/> because no cluster networking exists here.
/// </summary>
public sealed partial class AdmissionChain(ObjectStore store, KubeSimOptions options, TimeProvider time, ILogger<AdmissionChain> logger)
{
    private const string MutatingKey = "mutatingwebhookconfigurations.admissionregistration.k8s.io";
    private const string ValidatingKey = "validatingwebhookconfigurations.admissionregistration.k8s.io";

    private readonly ConcurrentDictionary<string, HttpClient> clients = new(StringComparer.Ordinal);

    /// <summary>Runs mutating webhooks and returns the (possibly patched) object.</summary>
    public async Task<JsonObject?> MutateAsync(ResourceType type, string operation, string ns, string name, JsonObject? obj, JsonObject? oldObj,
        RequestContext ctx, string subresource, CancellationToken ct)
    {
        if (Exempt(type))
            return obj;
        foreach (var (configuration, webhook) in Webhooks(MutatingKey, type, operation, subresource, ns, obj, oldObj))
        {
            var response = await CallAsync(configuration, webhook, type, operation, ns, name, obj, oldObj, ctx, subresource, ct);
            if (response is null)
                continue;
            if (response["patch"]?.GetValue<string>() is { Length: > 0 } patch && obj is not null)
            {
                var patchDocument = JsonNode.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(patch)));
                obj = JsonPatch.Apply(obj, patchDocument) as JsonObject ?? obj;
            }
        }
        return obj;
    }

    /// <summary>Runs validating webhooks; throws the first denial.</summary>
    public async Task ValidateAsync(ResourceType type, string operation, string ns, string name, JsonObject? obj, JsonObject? oldObj,
        RequestContext ctx, string subresource, CancellationToken ct)
    {
        if (Exempt(type))
            return;
        var calls = Webhooks(ValidatingKey, type, operation, subresource, ns, obj, oldObj)
            .Select(w => CallAsync(w.Configuration, w.Webhook, type, operation, ns, name, obj, oldObj, ctx, subresource, ct))
            .ToList();
        // Validating webhooks run in parallel on the real server; the first denial wins.
        await Task.WhenAll(calls);
    }

    /// <summary>Webhook configurations never go through webhooks (as on the real server), so a bad one cannot lock itself in.</summary>
    private static bool Exempt(ResourceType type) => type.Group == "admissionregistration.k8s.io";

    private List<(JsonObject Configuration, JsonObject Webhook)> Webhooks(string key, ResourceType type, string operation, string subresource, string ns, JsonObject? obj, JsonObject? oldObj)
    {
        var (configurations, _) = store.List(key, null);
        var namespaceObject = ns.Length > 0 ? store.Get("namespaces", "", ns) : null;
        var result = new List<(JsonObject, JsonObject)>();
        foreach (var configuration in configurations.OrderBy(c => c["metadata"]?["name"]?.GetValue<string>(), StringComparer.Ordinal))
        {
            foreach (var webhook in (configuration["webhooks"] as JsonArray ?? []).OfType<JsonObject>())
            {
                if (WebhookMatcher.Matches(webhook, type, operation, subresource, namespaceObject, obj, oldObj))
                    result.Add((configuration, webhook));
            }
        }
        return result;
    }

    /// <summary>Calls one webhook; returns its response when allowed (null when ignored after a failure).</summary>
    private async Task<JsonObject?> CallAsync(JsonObject configuration, JsonObject webhook, ResourceType type, string operation, string ns, string name,
        JsonObject? obj, JsonObject? oldObj, RequestContext ctx, string subresource, CancellationToken ct)
    {
        var webhookName = webhook["name"]?.GetValue<string>() ?? "";
        var failurePolicy = webhook["failurePolicy"]?.GetValue<string>() ?? "Fail";
        var timeout = TimeSpan.FromSeconds(JsonNumbers.LongOr(webhook["timeoutSeconds"], 10));
        var uid = Guid.NewGuid().ToString();
        var review = Review(uid, type, operation, ns, name, obj, oldObj, ctx, subresource);
        JsonObject? response;
        try
        {
            if (options.Faults.AdmissionLatency > TimeSpan.Zero)
                await Task.Delay(options.Faults.AdmissionLatency, time, ct);
            var url = ResolveUrl(webhook["clientConfig"] as JsonObject ?? []);
            var client = ClientFor(webhook["clientConfig"]?["caBundle"]?.GetValue<string>());
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            cts.CancelAfter(timeout);
            using var reply = await client.PostAsJsonAsync(url, review, cts.Token);
            if (!reply.IsSuccessStatusCode)
                throw new HttpRequestException($"the server responded with status {(int)reply.StatusCode}");
            var body = await reply.Content.ReadFromJsonAsync<JsonObject>(cts.Token);
            response = body?["response"] as JsonObject ?? throw new HttpRequestException("the response has no \"response\" field");
            if (response["uid"]?.GetValue<string>() != uid)
                throw new HttpRequestException($"expected response.uid=\"{uid}\", got \"{response["uid"]}\"");
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or System.Text.Json.JsonException or InvalidOperationException or FormatException)
        {
            if (ct.IsCancellationRequested)
                throw;
            var why = e is OperationCanceledException ? "context deadline exceeded" : e.Message;
            LogWebhookFailure(webhookName, why, failurePolicy);
            if (failurePolicy == "Ignore")
                return null;
            throw ApiException.InternalError($"failed calling webhook \"{webhookName}\": failed to call webhook: {why}");
        }

        foreach (var w in response["warnings"] as JsonArray ?? [])
        {
            if (w?.GetValue<string>() is { Length: > 0 } warning)
                ctx.Warnings.Add(warning);
        }
        if (response["allowed"]?.GetValue<bool>() != true)
            throw Denied(webhookName, response["status"] as JsonObject);
        return response;
    }

    private static ApiException Denied(string webhookName, JsonObject? status)
    {
        var deniedBy = $"admission webhook \"{webhookName}\" denied the request";
        var code = (int)JsonNumbers.LongOr(status?["code"], 400);
        if (code < 400)
            code = 400;
        var message = status?["message"]?.GetValue<string>();
        var reason = status?["reason"]?.GetValue<string>();
        var text = !string.IsNullOrEmpty(message) ? $"{deniedBy}: {message}"
            : !string.IsNullOrEmpty(reason) ? $"{deniedBy}: {reason}"
            : $"{deniedBy} without explanation";
        return new ApiException(code, reason ?? "", text, status?["details"] as JsonObject);
    }

    private string ResolveUrl(JsonObject clientConfig)
    {
        if (clientConfig["url"]?.GetValue<string>() is { } url)
            return url;
        var service = clientConfig["service"] as JsonObject ?? throw new InvalidOperationException("clientConfig has neither url nor service");
        var key = $"{service["namespace"]?.GetValue<string>()}/{service["name"]?.GetValue<string>()}";
        if (!options.WebhookServices.TryGetValue(key, out var baseUrl))
            throw new HttpRequestException($"service \"{key}\" has no endpoint known to KubeSim (register it in WebhookServices)");
        var path = service["path"]?.GetValue<string>() ?? "/";
        return baseUrl.TrimEnd('/') + (path.StartsWith('/') ? path : "/" + path);
    }

    private HttpClient ClientFor(string? caBundle) => clients.GetOrAdd(caBundle ?? "", bundle =>
    {
        var pem = bundle.Length == 0 ? null : Encoding.ASCII.GetString(Convert.FromBase64String(bundle));
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                // The caBundle is the only trust root, as on the real server; without one, the system roots apply.
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                    pem is null ? errors == SslPolicyErrors.None
                    : certificate is X509Certificate2 c && CertificateAuthority.ChainsTo(c, pem),
            },
        };
        return new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    });

    private static JsonObject Review(string uid, ResourceType type, string operation, string ns, string name, JsonObject? obj, JsonObject? oldObj, RequestContext ctx, string subresource)
    {
        var kind = new JsonObject { ["group"] = type.Group, ["version"] = type.Version, ["kind"] = type.Kind };
        var resource = new JsonObject { ["group"] = type.Group, ["version"] = type.Version, ["resource"] = type.Plural };
        var request = new JsonObject
        {
            ["uid"] = uid,
            ["kind"] = kind,
            ["resource"] = resource,
            ["requestKind"] = kind.DeepClone(),
            ["requestResource"] = resource.DeepClone(),
            ["name"] = name,
            ["operation"] = operation,
            ["userInfo"] = new JsonObject
            {
                ["username"] = ctx.User.Username,
                ["uid"] = ctx.User.Uid,
                ["groups"] = new JsonArray([.. ctx.User.Groups.Select(g => (JsonNode?)g)]),
            },
            ["object"] = obj?.DeepClone(),
            ["oldObject"] = oldObj?.DeepClone(),
            ["dryRun"] = ctx.DryRun,
            ["options"] = new JsonObject
            {
                ["kind"] = operation switch { "CREATE" => "CreateOptions", "DELETE" => "DeleteOptions", _ => "UpdateOptions" },
                ["apiVersion"] = "meta.k8s.io/v1",
            },
        };
        if (ns.Length > 0)
            request["namespace"] = ns;
        if (subresource.Length > 0)
        {
            request["subResource"] = subresource;
            request["requestSubResource"] = subresource;
        }
        return new JsonObject { ["apiVersion"] = "admission.k8s.io/v1", ["kind"] = "AdmissionReview", ["request"] = request };
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "webhook {Webhook} failed: {Reason} (failurePolicy {Policy})")]
    private partial void LogWebhookFailure(string webhook, string reason, string policy);
}
