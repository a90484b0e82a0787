using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Kubernetes.Client;

/// <summary>
/// The verbs of one resource. <typeparamref name="T"/> is a model implementing
/// <see cref="IKubernetesObject"/> or <see cref="JsonObject"/> for untyped use. Methods that take
/// an object read its name and namespace from its metadata; a namespaced object without a
/// namespace goes to the configuration's namespace, else <c>default</c>, as kubectl does.
/// </summary>
public sealed class ResourceClient<T> where T : class
{
    private const string JsonContentType = "application/json";
    private readonly ILogger _logger;

    internal ResourceClient(KubernetesClient client, ApiResource resource, JsonTypeInfo<T> typeInfo)
    {
        Client = client;
        Resource = resource;
        TypeInfo = typeInfo;
        _logger = client.LoggerFactory.CreateLogger<ResourceClient<T>>();
    }

    public KubernetesClient Client { get; }
    public ApiResource Resource { get; }
    public JsonTypeInfo<T> TypeInfo { get; }

    // ---- reads ----

    public async Task<T> GetAsync(string name, string? @namespace = null, CancellationToken cancellationToken = default)
    {
        var path = Resource.Path(RequireNamespace(@namespace), name);
        var body = await Client.SendForBytesAsync(Request(HttpMethod.Get, "get", path, "", idempotent: true), cancellationToken).ConfigureAwait(false);
        return Deserialize(body);
    }

    /// <summary>Like <see cref="GetAsync"/> but null when the object does not exist.</summary>
    public async Task<T?> TryGetAsync(string name, string? @namespace = null, CancellationToken cancellationToken = default)
    {
        try
        {
            return await GetAsync(name, @namespace, cancellationToken).ConfigureAwait(false);
        }
        catch (NotFoundException)
        {
            return null;
        }
    }

    /// <summary>One page. A null namespace on a namespaced resource lists all namespaces.</summary>
    public async Task<ResourceList<T>> ListAsync(string? @namespace = null, ListOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new ListOptions();
        var query = new QueryBuilder()
            .Add("labelSelector", options.LabelSelector)
            .Add("fieldSelector", options.FieldSelector)
            .Add("limit", options.Limit)
            .Add("continue", options.Continue)
            .Add("resourceVersion", options.ResourceVersion)
            .Add("resourceVersionMatch", options.ResourceVersionMatch)
            .Add("timeoutSeconds", options.TimeoutSeconds)
            .ToString();
        var body = await Client.SendForBytesAsync(Request(HttpMethod.Get, "list", Resource.Path(@namespace), query, idempotent: true), cancellationToken).ConfigureAwait(false);
        return ParseList(body);
    }

    /// <summary>Every object, following continue tokens page by page.</summary>
    public async IAsyncEnumerable<T> ListAllAsync(string? @namespace = null, ListOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        options ??= new ListOptions();
        while (true)
        {
            var page = await ListAsync(@namespace, options, cancellationToken).ConfigureAwait(false);
            foreach (var item in page.Items) yield return item;
            if (string.IsNullOrEmpty(page.Continue)) yield break;
            // A continue token pins the snapshot; resourceVersion must not be sent with it.
            options = options with { Continue = page.Continue, ResourceVersion = null, ResourceVersionMatch = null };
        }
    }

    // ---- writes ----

    public Task<T> CreateAsync(T obj, WriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        var meta = ObjectAccess.Metadata(obj);
        var path = Resource.Path(ObjectNamespace(meta));
        return SendObjectAsync(HttpMethod.Post, "create", path, WriteQuery(options), Serialize(obj), JsonContentType, idempotent: false, cancellationToken);
    }

    /// <summary>
    /// Replaces the object. The metadata.resourceVersion it carries is the precondition: if the
    /// object changed since it was read, the server answers 409 and a <see cref="ConflictException"/> is thrown.
    /// </summary>
    public Task<T> UpdateAsync(T obj, WriteOptions? options = null, CancellationToken cancellationToken = default) =>
        UpdateAsync(obj, null, options, cancellationToken);

    /// <summary>Replaces the status only (the <c>status</c> subresource); spec changes in <paramref name="obj"/> are ignored by the server.</summary>
    public Task<T> UpdateStatusAsync(T obj, WriteOptions? options = null, CancellationToken cancellationToken = default) =>
        UpdateAsync(obj, "status", options, cancellationToken);

    private Task<T> UpdateAsync(T obj, string? subresource, WriteOptions? options, CancellationToken cancellationToken)
    {
        var meta = ObjectAccess.Metadata(obj);
        var name = meta.Name ?? throw new ArgumentException("the object has no metadata.name", nameof(obj));
        var path = Resource.Path(ObjectNamespace(meta), name, subresource);
        return SendObjectAsync(HttpMethod.Put, "update", path, WriteQuery(options), Serialize(obj), JsonContentType, idempotent: false, cancellationToken);
    }

    /// <summary>
    /// Deletes an object. Returns the object when the server still holds it (finalizers pending,
    /// graceful deletion, foreground propagation) and null when it is gone.
    /// </summary>
    public async Task<T?> DeleteAsync(string name, string? @namespace = null, DeleteOptions? options = null, CancellationToken cancellationToken = default)
    {
        var path = Resource.Path(RequireNamespace(@namespace), name);
        var body = await Client.SendForBytesAsync(
            Request(HttpMethod.Delete, "delete", path, new QueryBuilder().DryRun(options?.DryRun ?? false).ToString(),
                DeleteBody(options), JsonContentType, idempotent: false),
            cancellationToken).ConfigureAwait(false);
        if (body.Length == 0) return null;
        using (var doc = JsonDocument.Parse(body))
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object
                || (doc.RootElement.TryGetProperty("kind", out var kind) && kind.ValueEquals("Status")))
                return null;
        }
        return Deserialize(body);
    }

    /// <summary>Deletes every object the selectors match.</summary>
    public async Task DeleteCollectionAsync(string? @namespace = null, ListOptions? selector = null, DeleteOptions? options = null, CancellationToken cancellationToken = default)
    {
        var query = new QueryBuilder()
            .Add("labelSelector", selector?.LabelSelector)
            .Add("fieldSelector", selector?.FieldSelector)
            .DryRun(options?.DryRun ?? false)
            .ToString();
        await Client.SendForBytesAsync(
            Request(HttpMethod.Delete, "deletecollection", Resource.Path(@namespace), query, DeleteBody(options), JsonContentType, idempotent: false),
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A JSON merge patch, JSON patch or strategic merge patch, optionally of a subresource (<c>status</c>, <c>scale</c>).</summary>
    public Task<T> PatchAsync(string name, string? @namespace, PatchType type, JsonNode patch, WriteOptions? options = null,
        string? subresource = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(patch);
        return PatchAsync(name, @namespace, type, Encoding.UTF8.GetBytes(patch.ToJsonString()), options, subresource, cancellationToken);
    }

    public Task<T> PatchAsync(string name, string? @namespace, PatchType type, byte[] patch, WriteOptions? options = null,
        string? subresource = null, CancellationToken cancellationToken = default)
    {
        var contentType = type switch
        {
            PatchType.Merge => "application/merge-patch+json",
            PatchType.Json => "application/json-patch+json",
            PatchType.StrategicMerge => "application/strategic-merge-patch+json",
            _ => throw new ArgumentOutOfRangeException(nameof(type)),
        };
        var path = Resource.Path(RequireNamespace(@namespace), name, subresource);
        return SendObjectAsync(HttpMethod.Patch, "patch", path, WriteQuery(options), patch, contentType, idempotent: false, cancellationToken);
    }

    /// <summary>
    /// Server-side apply of <paramref name="obj"/> as the complete intent of <see cref="ApplyOptions.FieldManager"/>:
    /// fields this manager applied before and omits now are removed. Only set what you mean to own
    /// (nulls are not sent). The body is JSON, which is valid YAML, sent as <c>application/apply-patch+yaml</c>.
    /// </summary>
    public Task<T> ApplyAsync(T obj, ApplyOptions options, CancellationToken cancellationToken = default) =>
        ApplyObjectAsync(obj, options, null, cancellationToken);

    /// <summary>Server-side apply to the <c>status</c> subresource.</summary>
    public Task<T> ApplyStatusAsync(T obj, ApplyOptions options, CancellationToken cancellationToken = default) =>
        ApplyObjectAsync(obj, options, "status", cancellationToken);

    /// <summary>Server-side apply of an apply configuration given as JSON (it must carry apiVersion and kind).</summary>
    public Task<T> ApplyAsync(string name, string? @namespace, JsonObject configuration, ApplyOptions options,
        string? subresource = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var path = Resource.Path(Resource.Namespaced ? @namespace ?? DefaultNamespace : null, name, subresource);
        return ApplyBytesAsync(path, Encoding.UTF8.GetBytes(configuration.ToJsonString()), options, cancellationToken);
    }

    private Task<T> ApplyObjectAsync(T obj, ApplyOptions options, string? subresource, CancellationToken cancellationToken)
    {
        var meta = ObjectAccess.Metadata(obj);
        var name = meta.Name ?? throw new ArgumentException("the object has no metadata.name", nameof(obj));
        return ApplyBytesAsync(Resource.Path(ObjectNamespace(meta), name, subresource), Serialize(obj), options, cancellationToken);
    }

    private Task<T> ApplyBytesAsync(string path, byte[] body, ApplyOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.FieldManager);
        var query = new QueryBuilder()
            .DryRun(options.DryRun)
            .Add("fieldManager", options.FieldManager)
            .Add("fieldValidation", options.FieldValidation)
            .Add("force", options.Force)
            .ToString();
        // Apply states an intent, so repeating it cannot apply anything twice: safe to retry.
        return SendObjectAsync(HttpMethod.Patch, "apply", path, query, body, "application/apply-patch+yaml", idempotent: true, cancellationToken);
    }

    // ---- scale subresource ----

    public async Task<Scale> GetScaleAsync(string name, string? @namespace = null, CancellationToken cancellationToken = default)
    {
        var path = Resource.Path(RequireNamespace(@namespace), name, "scale");
        var body = await Client.SendForBytesAsync(Request(HttpMethod.Get, "get", path, "", idempotent: true), cancellationToken).ConfigureAwait(false);
        return JsonSerializer.Deserialize(body, KubernetesJsonContext.Default.Scale) ?? throw new JsonException("empty scale");
    }

    /// <summary>Writes spec.replicas through the scale subresource (resourceVersion in <paramref name="scale"/> is the precondition).</summary>
    public async Task<Scale> UpdateScaleAsync(Scale scale, WriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scale);
        var name = scale.Metadata.Name ?? throw new ArgumentException("the scale has no metadata.name", nameof(scale));
        var path = Resource.Path(ObjectNamespace(scale.Metadata), name, "scale");
        var body = await Client.SendForBytesAsync(
            Request(HttpMethod.Put, "update", path, WriteQuery(options),
                JsonSerializer.SerializeToUtf8Bytes(scale, KubernetesJsonContext.Default.Scale), JsonContentType, idempotent: false),
            cancellationToken).ConfigureAwait(false);
        return JsonSerializer.Deserialize(body, KubernetesJsonContext.Default.Scale) ?? throw new JsonException("empty scale");
    }

    // ---- watch ----

    /// <summary>
    /// A watch that survives disconnects: when the stream ends, breaks or stays silent longer than
    /// <see cref="WatchOptions.IdleTimeout"/>, it reconnects from the last resourceVersion it saw
    /// (bookmarks included), so no event is missed or repeated. When the server no longer has that
    /// version it throws <see cref="ResourceExpiredException"/> (410): the caller must relist, as an
    /// informer does. Other API errors are thrown too. Runs until cancelled.
    /// </summary>
    public async IAsyncEnumerable<WatchEvent<T>> WatchAsync(string? @namespace = null, WatchOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        options ??= new WatchOptions();
        var resourceVersion = options.ResourceVersion;
        var failures = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var received = 0;
            string reason;
            var stream = WatchOnceAsync(@namespace, options with { ResourceVersion = resourceVersion }, cancellationToken);
            await using (var events = stream.GetAsyncEnumerator(cancellationToken))
            {
                while (true)
                {
                    try
                    {
                        if (!await events.MoveNextAsync().ConfigureAwait(false))
                        {
                            reason = "closed by the server";
                            break;
                        }
                    }
                    catch (WatchIdleTimeoutException e)
                    {
                        Log.WatchIdle(_logger, Resource.Path(@namespace), e.IdleTimeout);
                        reason = "idle";
                        break;
                    }
                    catch (Exception e) when (e is IOException or HttpRequestException && !cancellationToken.IsCancellationRequested)
                    {
                        reason = e.Message;
                        break;
                    }

                    var ev = events.Current;
                    received++;
                    if (!string.IsNullOrEmpty(ev.ResourceVersion)) resourceVersion = ev.ResourceVersion;
                    yield return ev;
                }
            }

            // A stream that ends without delivering anything is a failure (a server that closes
            // at once must not be hammered); one that delivered something resumes immediately.
            failures = received > 0 ? 0 : failures + 1;
            Log.WatchResuming(_logger, Resource.Path(@namespace), reason, resourceVersion);
            if (failures > 0)
            {
                var ticks = Math.Min(options.MaxReconnectDelay.Ticks, options.ReconnectDelay.Ticks * (1L << Math.Min(failures - 1, 20)));
                await Task.Delay(TimeSpan.FromTicks(ticks), Client.TimeProvider, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>One watch request: events until the server ends the stream. ERROR events are thrown.</summary>
    public async IAsyncEnumerable<WatchEvent<T>> WatchOnceAsync(string? @namespace, WatchOptions options,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var path = Resource.Path(@namespace);
        var query = new QueryBuilder()
            .Add("watch", true)
            .Add("allowWatchBookmarks", options.AllowBookmarks)
            .Add("resourceVersion", string.IsNullOrEmpty(options.ResourceVersion) ? null : options.ResourceVersion)
            .Add("timeoutSeconds", options.TimeoutSeconds)
            .Add("labelSelector", options.LabelSelector)
            .Add("fieldSelector", options.FieldSelector)
            .ToString();
        using var response = await Client.SendAsync(
            Request(HttpMethod.Get, "watch", path, query, idempotent: true, streaming: true), cancellationToken).ConfigureAwait(false);
        // The idle timer is a TimeProvider timer re-armed per line, so tests can drive it.
        using var idle = new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, idle.Token);
        using var idleTimer = Client.TimeProvider.CreateTimer(static s => ((CancellationTokenSource)s!).Cancel(), idle, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var reader = new StreamReader(body, Encoding.UTF8);
        while (true)
        {
            idleTimer.Change(options.IdleTimeout, Timeout.InfiniteTimeSpan);
            string? line;
            try
            {
                line = await reader.ReadLineAsync(linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (idle.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new WatchIdleTimeoutException(options.IdleTimeout);
            }
            if (line is null) yield break;
            if (line.Length == 0) continue;
            var ev = WatchEventParser.Parse(line, TypeInfo);
            if (ev.Type == WatchEventType.Error)
            {
                var status = ev.Status ?? new Status { Message = "watch error without status" };
                throw KubernetesApiException.Create((System.Net.HttpStatusCode)(status.Code ?? 500), status, "watch", path);
            }
            yield return ev;
        }
    }

    // ---- helpers ----

    private string DefaultNamespace => Client.Configuration.Namespace ?? "default";

    private string? RequireNamespace(string? @namespace)
    {
        if (!Resource.Namespaced) return null;
        return @namespace ?? throw new ArgumentException($"{Resource.DisplayName} is namespaced: a namespace is required", nameof(@namespace));
    }

    private string? ObjectNamespace(ObjectMeta meta) => Resource.Namespaced ? meta.Namespace ?? DefaultNamespace : null;

    private static string WriteQuery(WriteOptions? options) => options is null ? "" : new QueryBuilder()
        .DryRun(options.DryRun)
        .Add("fieldManager", options.FieldManager)
        .Add("fieldValidation", options.FieldValidation)
        .ToString();

    private static byte[]? DeleteBody(DeleteOptions? options)
    {
        if (options is null) return null;
        var body = new DeleteOptionsBody
        {
            GracePeriodSeconds = options.GracePeriodSeconds,
            Preconditions = options.Preconditions,
            PropagationPolicy = options.PropagationPolicy?.ToString(),
            DryRun = options.DryRun ? ["All"] : null,
        };
        return JsonSerializer.SerializeToUtf8Bytes(body, KubernetesJsonContext.Default.DeleteOptionsBody);
    }

    private KubernetesRequest Request(HttpMethod method, string verb, string path, string query,
        byte[]? body = null, string? contentType = null, bool idempotent = false, bool streaming = false) =>
        new(method, verb, Resource.DisplayName, path, query, body, contentType, idempotent, streaming);

    private async Task<T> SendObjectAsync(HttpMethod method, string verb, string path, string query, byte[] body, string contentType,
        bool idempotent, CancellationToken cancellationToken)
    {
        var response = await Client.SendForBytesAsync(Request(method, verb, path, query, body, contentType, idempotent), cancellationToken).ConfigureAwait(false);
        return Deserialize(response);
    }

    private byte[] Serialize(T obj) => JsonSerializer.SerializeToUtf8Bytes(obj, TypeInfo);

    private T Deserialize(byte[] body) =>
        JsonSerializer.Deserialize(body, TypeInfo) ?? throw new JsonException($"the server returned an empty {Resource.Kind ?? Resource.Plural}");

    private ResourceList<T> ParseList(byte[] body)
    {
        using var doc = JsonDocument.Parse(body);
        var root = doc.RootElement;
        string? rv = null, cont = null;
        long? remaining = null;
        if (root.TryGetProperty("metadata", out var meta) && meta.ValueKind == JsonValueKind.Object)
        {
            if (meta.TryGetProperty("resourceVersion", out var r) && r.ValueKind == JsonValueKind.String) rv = r.GetString();
            if (meta.TryGetProperty("continue", out var c) && c.ValueKind == JsonValueKind.String) cont = c.GetString();
            if (meta.TryGetProperty("remainingItemCount", out var n) && n.ValueKind == JsonValueKind.Number) remaining = n.GetInt64();
        }
        var items = new List<T>();
        if (root.TryGetProperty("items", out var array) && array.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in array.EnumerateArray())
                items.Add(item.Deserialize(TypeInfo) ?? throw new JsonException("null list item"));
        }
        return new ResourceList<T>(items, rv, string.IsNullOrEmpty(cont) ? null : cont, remaining);
    }
}

/// <summary>Reads metadata from a typed model or a JsonObject alike.</summary>
public static class ObjectAccess
{
    public static ObjectMeta Metadata<T>(T obj) where T : class => obj switch
    {
        IKubernetesObject k => k.Metadata,
        JsonObject j => j["metadata"] is JsonObject m ? m.Deserialize(KubernetesJsonContext.Default.ObjectMeta) ?? new ObjectMeta() : new ObjectMeta(),
        null => throw new ArgumentNullException(nameof(obj)),
        _ => throw new NotSupportedException($"{typeof(T).Name} is neither an IKubernetesObject nor a JsonObject"),
    };
}
