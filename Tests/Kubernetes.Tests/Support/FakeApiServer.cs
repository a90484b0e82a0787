using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MultigresOrleans.Kubernetes.Tests.Support;

/// <summary>
/// A small in-test Kubernetes API server on Kestrel (port 0): any group/version/resource, real
/// response shapes (Status errors, List objects, line-delimited watch events with bookmarks and
/// the 410 Expired event), one global resourceVersion counter and an event log that watches replay
/// from. Tests drive faults directly: drop every watch connection, end watches cleanly, compact the
/// log so old versions expire, or intercept a request.
/// </summary>
public sealed class FakeApiServer : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, JsonObject> _objects = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _managed = new(StringComparer.Ordinal);
    private readonly List<LoggedEvent> _log = [];
    private readonly List<Watcher> _watchers = [];
    private long _rv = 100;
    private long _compactedRv;
    private WebApplication? _app;

    public Uri Url { get; private set; } = null!;
    public ConcurrentQueue<string> Requests { get; } = new();
    public ConcurrentQueue<string> Protocols { get; } = new();

    /// <summary>Return true to take over a request (to inject errors); the server then does nothing else.</summary>
    public Func<HttpContext, Task<bool>>? Intercept { get; set; }

    public int ActiveWatches
    {
        get { lock (_lock) return _watchers.Count; }
    }

    public long ResourceVersion
    {
        get { lock (_lock) return _rv; }
    }

    private volatile TaskCompletionSource? _watchGate;

    /// <summary>
    /// New watch requests wait until the returned handle is disposed, so a test can change state
    /// that a disconnected client must not see live (to force a 410 on its resume).
    /// </summary>
    public IDisposable HoldWatches()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _watchGate = gate;
        return new Release(() =>
        {
            _watchGate = null;
            gate.TrySetResult();
        });
    }

    private sealed class Release(Action action) : IDisposable
    {
        public void Dispose() => action();
    }

    public int WatchRequestCount => Requests.Count(r => r.Contains("watch=true", StringComparison.Ordinal));

    public static async Task<FakeApiServer> StartAsync(X509Certificate2? serverCertificate = null, Action<Microsoft.AspNetCore.Server.Kestrel.Https.HttpsConnectionAdapterOptions>? https = null)
    {
        var server = new FakeApiServer();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, lo =>
        {
            lo.Protocols = serverCertificate is null ? HttpProtocols.Http1 : HttpProtocols.Http1AndHttp2;
            if (serverCertificate is not null)
            {
                lo.UseHttps(o =>
                {
                    o.ServerCertificate = serverCertificate;
                    https?.Invoke(o);
                });
            }
        }));
        var app = builder.Build();
        app.Run(server.HandleAsync);
        await app.StartAsync();
        server._app = app;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Url = new Uri(address);
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        DisconnectWatches();
        if (_app is not null)
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _app.StopAsync(cts.Token);
            await _app.DisposeAsync();
        }
    }

    // ---- test controls ----

    /// <summary>Writes an object as a client would (create or replace), bumping its resourceVersion.</summary>
    public JsonObject Put(string resourcePrefix, JsonObject obj)
    {
        lock (_lock)
        {
            var meta = (JsonObject)obj["metadata"]!;
            var key = Key(resourcePrefix, (string?)meta["namespace"], (string)meta["name"]!);
            _objects.TryGetValue(key, out var old);
            var copy = (JsonObject)obj.DeepClone();
            var cm = (JsonObject)copy["metadata"]!;
            cm["uid"] = old?["metadata"]?["uid"]?.DeepClone() ?? Guid.NewGuid().ToString();
            cm["creationTimestamp"] = old?["metadata"]?["creationTimestamp"]?.DeepClone() ?? "2026-01-01T00:00:00Z";
            return Store(resourcePrefix, key, old, copy);
        }
    }

    public bool Remove(string resourcePrefix, string? ns, string name)
    {
        lock (_lock)
        {
            var key = Key(resourcePrefix, ns, name);
            if (!_objects.Remove(key, out var old)) return false;
            var gone = (JsonObject)old.DeepClone();
            gone["metadata"]!["resourceVersion"] = (++_rv).ToString(CultureInfo.InvariantCulture);
            Publish(new LoggedEvent(_rv, "DELETED", resourcePrefix, old, gone));
            return true;
        }
    }

    /// <summary>The objects of one resource, keyed "ns/name".</summary>
    public Dictionary<string, JsonObject> Snapshot(string resourcePrefix)
    {
        lock (_lock)
        {
            return _objects.Where(kv => kv.Key.StartsWith(resourcePrefix + "|", StringComparison.Ordinal))
                .ToDictionary(kv => $"{kv.Value["metadata"]!["namespace"]}/{kv.Value["metadata"]!["name"]}", kv => (JsonObject)kv.Value.DeepClone());
        }
    }

    /// <summary>Breaks every open watch connection (no clean end of stream), as a dying proxy would.</summary>
    public void DisconnectWatches()
    {
        lock (_lock)
        {
            foreach (var w in _watchers) w.Context.Abort();
            _watchers.Clear();
        }
    }

    /// <summary>Ends every open watch cleanly, as the server does when timeoutSeconds elapse.</summary>
    public void EndWatches()
    {
        lock (_lock)
        {
            foreach (var w in _watchers) w.Events.Writer.TryComplete();
            _watchers.Clear();
        }
    }

    /// <summary>Forgets the event log: a watch from any older version now gets 410 Expired.</summary>
    public void Compact()
    {
        lock (_lock)
        {
            _compactedRv = _rv;
            _log.Clear();
        }
    }

    public void SendBookmarks()
    {
        lock (_lock)
        {
            foreach (var w in _watchers) w.Events.Writer.TryWrite(new LoggedEvent(_rv, "BOOKMARK", w.Prefix, null, null));
        }
    }

    // ---- request handling ----

    private sealed record LoggedEvent(long Rv, string Type, string Prefix, JsonObject? Old, JsonObject? New);

    private sealed record Watcher(HttpContext Context, string Prefix, string? Namespace, string? Selector, Channel<LoggedEvent> Events);

    private sealed record Target(string Prefix, string ApiVersion, string Plural, string? Namespace, string? Name, string? Subresource);

    private static string Key(string prefix, string? ns, string name) => $"{prefix}|{ns}|{name}";

    private async Task HandleAsync(HttpContext ctx)
    {
        Requests.Enqueue($"{ctx.Request.Method} {ctx.Request.Path}{ctx.Request.QueryString}");
        Protocols.Enqueue(ctx.Request.Protocol);
        if (Intercept is { } intercept && await intercept(ctx)) return;
        var target = Parse(ctx.Request.Path.Value!);
        if (target is null)
        {
            await WriteStatus(ctx, 404, "NotFound", "the server could not find the requested resource");
            return;
        }
        var q = ctx.Request.Query;
        switch (ctx.Request.Method)
        {
            case "GET" when target.Name is null && q["watch"] == "true":
                if (_watchGate is { } gate) await gate.Task;
                await WatchAsync(ctx, target);
                return;
            case "GET" when target.Name is null:
                await ListAsync(ctx, target);
                return;
            case "GET":
                {
                    JsonObject? obj;
                    lock (_lock) _objects.TryGetValue(Key(target.Prefix, target.Namespace, target.Name), out obj);
                    if (obj is null) await NotFound(ctx, target);
                    else await WriteJson(ctx, 200, obj);
                    return;
                }
            case "POST":
                await CreateAsync(ctx, target);
                return;
            case "PUT":
                await UpdateAsync(ctx, target);
                return;
            case "PATCH":
                await PatchAsync(ctx, target);
                return;
            case "DELETE":
                await DeleteAsync(ctx, target);
                return;
            default:
                await WriteStatus(ctx, 405, "MethodNotAllowed", "method not allowed");
                return;
        }
    }

    private static Target? Parse(string path)
    {
        var s = path.Trim('/').Split('/').Select(Uri.UnescapeDataString).ToArray();
        int rest;
        string apiVersion;
        if (s.Length >= 3 && s[0] == "api") { apiVersion = s[1]; rest = 2; }
        else if (s.Length >= 4 && s[0] == "apis") { apiVersion = $"{s[1]}/{s[2]}"; rest = 3; }
        else return null;
        string? ns = null;
        if (s.Length - rest >= 3 && s[rest] == "namespaces") { ns = s[rest + 1]; rest += 2; }
        var plural = s[rest];
        var name = s.Length > rest + 1 ? s[rest + 1] : null;
        var sub = s.Length > rest + 2 ? s[rest + 2] : null;
        return new Target($"{apiVersion}/{plural}", apiVersion, plural, ns, name, sub);
    }

    private async Task ListAsync(HttpContext ctx, Target t)
    {
        var selector = (string?)ctx.Request.Query["labelSelector"];
        var limit = int.TryParse(ctx.Request.Query["limit"], out var l) ? l : int.MaxValue;
        // Like a real server, a continue token names the last key returned, so objects deleted
        // from earlier pages never shift later ones out of the listing.
        var after = (string?)ctx.Request.Query["continue"];
        List<JsonObject> all;
        long rv;
        lock (_lock)
        {
            rv = _rv;
            all = _objects.Where(kv => kv.Key.StartsWith(t.Prefix + "|", StringComparison.Ordinal))
                .Select(kv => kv.Value)
                .Where(o => t.Namespace is null || (string?)o["metadata"]!["namespace"] == t.Namespace)
                .Where(o => Matches(o, selector))
                .OrderBy(o => $"{o["metadata"]!["namespace"]}/{o["metadata"]!["name"]}", StringComparer.Ordinal)
                .Select(o => (JsonObject)o.DeepClone())
                .ToList();
        }
        static string KeyOf(JsonObject o) => $"{o["metadata"]!["namespace"]}/{o["metadata"]!["name"]}";
        var rest = string.IsNullOrEmpty(after) ? all : all.Where(o => string.CompareOrdinal(KeyOf(o), after) > 0).ToList();
        var page = rest.Take(limit).ToList();
        var meta = new JsonObject { ["resourceVersion"] = rv.ToString(CultureInfo.InvariantCulture) };
        if (page.Count < rest.Count)
        {
            meta["continue"] = KeyOf(page[^1]);
            meta["remainingItemCount"] = rest.Count - page.Count;
        }
        var list = new JsonObject
        {
            ["kind"] = "List",
            ["apiVersion"] = t.ApiVersion,
            ["metadata"] = meta,
            ["items"] = new JsonArray(page.Cast<JsonNode?>().ToArray()),
        };
        await WriteJson(ctx, 200, list);
    }

    private async Task WatchAsync(HttpContext ctx, Target t)
    {
        var rvText = (string?)ctx.Request.Query["resourceVersion"];
        var selector = (string?)ctx.Request.Query["labelSelector"];
        var channel = Channel.CreateUnbounded<LoggedEvent>();
        var replay = new List<LoggedEvent>();
        var expired = false;
        lock (_lock)
        {
            if (string.IsNullOrEmpty(rvText)) { }
            else if (rvText == "0")
            {
                foreach (var kv in _objects.Where(kv => kv.Key.StartsWith(t.Prefix + "|", StringComparison.Ordinal)))
                    replay.Add(new LoggedEvent(_rv, "ADDED", t.Prefix, null, kv.Value));
            }
            else
            {
                var from = long.Parse(rvText, CultureInfo.InvariantCulture);
                if (from < _compactedRv) expired = true;
                else replay.AddRange(_log.Where(e => e.Rv > from && e.Prefix == t.Prefix));
            }
            if (!expired) _watchers.Add(new Watcher(ctx, t.Prefix, t.Namespace, selector, channel));
        }

        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "application/json";
        await ctx.Response.StartAsync();
        // A real API server flushes the headers at once so the client knows the watch is open.
        await ctx.Response.Body.FlushAsync();
        try
        {
            if (expired)
            {
                await WriteLine(ctx, new JsonObject
                {
                    ["type"] = "ERROR",
                    ["object"] = JsonNode.Parse($$"""{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: {{rvText}} ({{_compactedRv}})","reason":"Expired","code":410}"""),
                });
                return;
            }
            foreach (var e in replay)
                await WriteEvent(ctx, t, selector, e);
            await foreach (var e in channel.Reader.ReadAllAsync(ctx.RequestAborted))
                await WriteEvent(ctx, t, selector, e);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException)
        {
            // The client went away or the test aborted the connection.
        }
        finally
        {
            lock (_lock) _watchers.RemoveAll(w => w.Context == ctx);
        }
    }

    private static Task WriteEvent(HttpContext ctx, Target t, string? selector, LoggedEvent e)
    {
        if (e.Type == "BOOKMARK")
        {
            return WriteLine(ctx, new JsonObject
            {
                ["type"] = "BOOKMARK",
                ["object"] = new JsonObject { ["apiVersion"] = t.ApiVersion, ["metadata"] = new JsonObject { ["resourceVersion"] = e.Rv.ToString(CultureInfo.InvariantCulture) } },
            });
        }
        bool InScope(JsonObject? o) => o is not null && (t.Namespace is null || (string?)o["metadata"]!["namespace"] == t.Namespace) && Matches(o, selector);
        var before = InScope(e.Old);
        var after = InScope(e.New);
        // A label change moves an object in or out of a filtered watch: the server reports it as ADDED or DELETED.
        var type = e.Type switch
        {
            "DELETED" => before ? "DELETED" : null,
            _ when before && after => e.Type == "ADDED" ? "ADDED" : "MODIFIED",
            _ when after => "ADDED",
            _ when before => "DELETED",
            _ => null,
        };
        if (type is null) return Task.CompletedTask;
        var obj = (JsonObject)e.New!.DeepClone();
        if (type == "DELETED" && e.Type != "DELETED") obj["metadata"]!["resourceVersion"] = e.Rv.ToString(CultureInfo.InvariantCulture);
        return WriteLine(ctx, new JsonObject { ["type"] = type, ["object"] = obj });
    }

    private static async Task WriteLine(HttpContext ctx, JsonObject ev)
    {
        await ctx.Response.WriteAsync(ev.ToJsonString() + "\n");
        await ctx.Response.Body.FlushAsync();
    }

    private async Task CreateAsync(HttpContext ctx, Target t)
    {
        var obj = await ReadBody(ctx);
        var meta = (JsonObject)(obj["metadata"] ??= new JsonObject());
        var name = (string?)meta["name"];
        if (name is null)
        {
            await WriteStatus(ctx, 422, "Invalid", "metadata.name: Required value", """{"causes":[{"reason":"FieldValueRequired","message":"Required value","field":"metadata.name"}]}""");
            return;
        }
        if (t.Namespace is not null) meta["namespace"] = t.Namespace;
        JsonObject? stored = null;
        var dryRun = ctx.Request.Query["dryRun"] == "All";
        lock (_lock)
        {
            var key = Key(t.Prefix, t.Namespace, name);
            if (!_objects.ContainsKey(key))
            {
                meta["uid"] = Guid.NewGuid().ToString();
                meta["creationTimestamp"] = "2026-01-01T00:00:00Z";
                stored = dryRun ? obj : Store(t.Prefix, key, null, obj);
            }
        }
        if (stored is null) await WriteStatus(ctx, 409, "AlreadyExists", $"{t.Plural} \\\"{name}\\\" already exists");
        else await WriteJson(ctx, 201, stored);
    }

    private async Task UpdateAsync(HttpContext ctx, Target t)
    {
        var obj = await ReadBody(ctx);
        var result = 0;
        JsonObject? stored = null;
        lock (_lock)
        {
            var key = Key(t.Prefix, t.Namespace, t.Name!);
            if (!_objects.TryGetValue(key, out var old)) result = 404;
            else if ((string?)obj["metadata"]?["resourceVersion"] is { } rv && rv != (string?)old["metadata"]!["resourceVersion"]) result = 409;
            else
            {
                JsonObject next;
                if (t.Subresource == "status")
                {
                    next = (JsonObject)old.DeepClone();
                    next["status"] = obj["status"]?.DeepClone();
                }
                else
                {
                    next = obj;
                    next["metadata"]!["uid"] = old["metadata"]!["uid"]!.DeepClone();
                    next["metadata"]!["creationTimestamp"] = old["metadata"]!["creationTimestamp"]!.DeepClone();
                }
                stored = Store(t.Prefix, key, old, next);
            }
        }
        if (result == 404) await NotFound(ctx, t);
        else if (result == 409) await WriteStatus(ctx, 409, "Conflict", $"Operation cannot be fulfilled on {t.Plural} \\\"{t.Name}\\\": the object has been modified; please apply your changes to the latest version and try again");
        else await WriteJson(ctx, 200, stored!);
    }

    private async Task PatchAsync(HttpContext ctx, Target t)
    {
        var body = await ReadBody(ctx);
        var contentType = ctx.Request.ContentType ?? "";
        JsonObject? stored = null;
        lock (_lock)
        {
            var key = Key(t.Prefix, t.Namespace, t.Name!);
            _objects.TryGetValue(key, out var old);
            if (contentType.StartsWith("application/apply-patch+yaml", StringComparison.Ordinal))
            {
                // Simplified server-side apply: a manager owns the leaves it applied last time;
                // a leaf it stops applying is removed. Enough to test that a client's apply
                // configuration is sent whole; KubeSim implements the real merge rules.
                var manager = (string?)ctx.Request.Query["fieldManager"] ?? "";
                var next = (JsonObject)MergePatch(old?.DeepClone() ?? new JsonObject(), body)!;
                var fields = Leaves(body).Where(p => !p.StartsWith("metadata.name", StringComparison.Ordinal) && !p.StartsWith("metadata.namespace", StringComparison.Ordinal)).ToHashSet();
                var mkey = key + "|" + manager;
                if (_managed.TryGetValue(mkey, out var before))
                {
                    foreach (var gone in before.Except(fields)) RemovePath(next, gone);
                }
                _managed[mkey] = fields;
                var meta = (JsonObject)(next["metadata"] ??= new JsonObject());
                meta["name"] = t.Name;
                if (t.Namespace is not null) meta["namespace"] = t.Namespace;
                meta["uid"] = old?["metadata"]?["uid"]?.DeepClone() ?? Guid.NewGuid().ToString();
                stored = Store(t.Prefix, key, old, next);
            }
            else if (old is not null && contentType.StartsWith("application/merge-patch+json", StringComparison.Ordinal))
            {
                stored = Store(t.Prefix, key, old, (JsonObject)MergePatch(old.DeepClone(), body)!);
            }
        }
        if (stored is null) await NotFound(ctx, t);
        else await WriteJson(ctx, 200, stored);
    }

    private async Task DeleteAsync(HttpContext ctx, Target t)
    {
        JsonObject? options = null;
        if (ctx.Request.ContentLength > 0 || ctx.Request.Headers.TransferEncoding.Count > 0)
            options = await ReadBody(ctx);
        var result = 200;
        JsonObject? old;
        lock (_lock)
        {
            var key = Key(t.Prefix, t.Namespace, t.Name!);
            if (!_objects.TryGetValue(key, out old)) result = 404;
            else if ((string?)options?["preconditions"]?["resourceVersion"] is { } rv && rv != (string?)old["metadata"]!["resourceVersion"]) result = 409;
            else if ((string?)options?["preconditions"]?["uid"] is { } uid && uid != (string?)old["metadata"]!["uid"]) result = 409;
            else Remove(t.Prefix, t.Namespace, t.Name!);
        }
        if (result == 404) await NotFound(ctx, t);
        else if (result == 409) await WriteStatus(ctx, 409, "Conflict", $"Operation cannot be fulfilled on {t.Plural} \\\"{t.Name}\\\": the ResourceVersion in the precondition does not match the ResourceVersion in record. The object might have been modified");
        else await WriteJson(ctx, 200, new JsonObject
        {
            ["kind"] = "Status", ["apiVersion"] = "v1", ["metadata"] = new JsonObject(), ["status"] = "Success",
            ["details"] = new JsonObject { ["name"] = t.Name, ["kind"] = t.Plural, ["uid"] = old!["metadata"]!["uid"]!.DeepClone() },
        });
    }

    // Caller holds _lock.
    private JsonObject Store(string prefix, string key, JsonObject? old, JsonObject next)
    {
        next["metadata"]!["resourceVersion"] = (++_rv).ToString(CultureInfo.InvariantCulture);
        _objects[key] = next;
        Publish(new LoggedEvent(_rv, old is null ? "ADDED" : "MODIFIED", prefix, old, next));
        return (JsonObject)next.DeepClone();
    }

    // Caller holds _lock.
    private void Publish(LoggedEvent e)
    {
        _log.Add(e);
        foreach (var w in _watchers.Where(w => w.Prefix == e.Prefix)) w.Events.Writer.TryWrite(e);
    }

    private static bool Matches(JsonObject obj, string? selector)
    {
        if (string.IsNullOrEmpty(selector)) return true;
        var labels = obj["metadata"]?["labels"] as JsonObject;
        foreach (var term in selector.Split(','))
        {
            if (term.Contains("!=", StringComparison.Ordinal))
            {
                var kv = term.Split("!=");
                if ((string?)labels?[kv[0]] == kv[1]) return false;
            }
            else if (term.Contains('=', StringComparison.Ordinal))
            {
                var kv = term.Split('=', 2);
                if ((string?)labels?[kv[0]] != kv[1].TrimStart('=')) return false;
            }
            else if (labels?[term] is null) return false;
        }
        return true;
    }

    private static JsonNode? MergePatch(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject po) return patch?.DeepClone();
        var result = target as JsonObject ?? new JsonObject();
        foreach (var (k, v) in po)
        {
            if (v is null) { result.Remove(k); continue; }
            var existing = result[k]?.DeepClone();
            result.Remove(k);
            result[k] = MergePatch(existing, v);
        }
        return result;
    }

    private static IEnumerable<string> Leaves(JsonNode? node, string prefix = "")
    {
        if (node is JsonObject o && o.Count > 0)
        {
            foreach (var (k, v) in o)
                foreach (var leaf in Leaves(v, prefix.Length == 0 ? k : $"{prefix}.{k}"))
                    yield return leaf;
        }
        else if (prefix.Length > 0) yield return prefix;
    }

    private static void RemovePath(JsonObject root, string path)
    {
        var parts = path.Split('.');
        var chain = new List<JsonObject> { root };
        for (var i = 0; i < parts.Length - 1; i++)
        {
            if (chain[^1][parts[i]] is not JsonObject next) return;
            chain.Add(next);
        }
        chain[^1].Remove(parts[^1]);
        for (var i = chain.Count - 1; i > 0 && chain[i].Count == 0; i--) chain[i - 1].Remove(parts[i - 1]);
    }

    private static async Task<JsonObject> ReadBody(HttpContext ctx)
    {
        using var reader = new StreamReader(ctx.Request.Body, Encoding.UTF8);
        var text = await reader.ReadToEndAsync();
        return JsonNode.Parse(text)!.AsObject();
    }

    private static Task NotFound(HttpContext ctx, Target t) =>
        WriteStatus(ctx, 404, "NotFound", $"{t.Plural} \\\"{t.Name}\\\" not found", $$"""{"name":"{{t.Name}}","kind":"{{t.Plural}}"}""");

    public static Task WriteStatus(HttpContext ctx, int code, string reason, string message, string? details = null)
    {
        ctx.Response.StatusCode = code;
        ctx.Response.ContentType = "application/json";
        return ctx.Response.WriteAsync(ScriptedHandler.StatusJson(code, reason, message, details));
    }

    private static Task WriteJson(HttpContext ctx, int code, JsonNode body)
    {
        ctx.Response.StatusCode = code;
        ctx.Response.ContentType = "application/json";
        return ctx.Response.WriteAsync(body.ToJsonString());
    }
}
