using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using MultigresOrleans.KubeSim.Api;
using MultigresOrleans.KubeSim.Selectors;
using MultigresOrleans.KubeSim.Storage;
using MultigresOrleans.KubeSim.Tables;

namespace MultigresOrleans.KubeSim.Http;

/// <summary>
/// Watch: a chunked stream of line-delimited JSON events. Selector filtering follows the real
/// cacher (an object that stops matching is sent as DELETED, one that starts matching as ADDED);
/// bookmarks are sent when asked for, including the `k8s.io/initial-events-end` bookmark of the
/// streaming-list protocol; a resourceVersion older than the retained history is answered 410.
/// </summary>
internal sealed class WatchEndpoint(ObjectStore store, TableConverter tables, TimeProvider time, KubeSimOptions options)
{
    public async Task ServeAsync(HttpContext http, ResourceType type, string? ns, LabelSelector labels, FieldSelector fields)
    {
        var query = http.Request.Query;
        var rvText = query["resourceVersion"].ToString();
        var sendInitial = query["sendInitialEvents"].ToString() == "true";
        var bookmarks = query["allowWatchBookmarks"].ToString() == "true";
        long? from = null;
        if (!sendInitial && rvText.Length > 0 && rvText != "0")
        {
            if (!long.TryParse(rvText, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
                throw ApiException.BadRequest($"invalid resource version: {rvText}");
            from = parsed;
        }

        ObjectStore.Subscription subscription;
        try
        {
            subscription = store.Watch(type.StorageKey, ns, from);
        }
        catch (ResourceVersionExpiredException e)
        {
            // The real server answers 200 with an ERROR event carrying the 410 Status for watches.
            await StartStreamAsync(http);
            var status = ApiException.Gone($"too old resource version: {e.Requested} ({e.Oldest})").ToStatus();
            await WriteLineAsync(http, new JsonObject { ["type"] = "ERROR", ["object"] = status });
            return;
        }

        using var _ = subscription;
        var asTable = HttpJson.WantsTable(http.Request);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        if (int.TryParse(query["timeoutSeconds"], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds > 0)
            timeout.CancelAfter(TimeSpan.FromSeconds(seconds));
        var ct = timeout.Token;

        await StartStreamAsync(http);
        long lastSent = subscription.StartVersion;
        try
        {
            foreach (var e in subscription.Initial)
            {
                // Replayed history is subject to the drop fault like live events: otherwise a
                // watcher that reconnects quickly always receives the very event its last stream
                // was cut before, and a "drop, then compact" scenario never reaches the 410.
                lastSent = e.ResourceVersion;
                if (options.Faults.ShouldDropWatch(type))
                    return;
                if (Translate(e, labels, fields) is { } type2)
                    await WriteEventAsync(http, type, type2, e.Object, asTable);
            }
            if (sendInitial && bookmarks)
                await WriteBookmarkAsync(http, type, subscription.StartVersion, initialEventsEnd: true);

            var reader = subscription.Events;
            while (!ct.IsCancellationRequested)
            {
                bool hasData;
                // Waiting for the next event is bounded by the bookmark interval on the injected clock.
                using (var bookmarkTimer = bookmarks ? new CancellationTokenSource(options.BookmarkInterval, time) : new CancellationTokenSource())
                using (var wait = CancellationTokenSource.CreateLinkedTokenSource(ct, bookmarkTimer.Token))
                {
                    try
                    {
                        hasData = await reader.WaitToReadAsync(wait.Token);
                    }
                    catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                    {
                        await WriteBookmarkAsync(http, type, lastSent, initialEventsEnd: false);
                        continue;
                    }
                }
                if (!hasData)
                    break;
                while (reader.TryRead(out var e))
                {
                    lastSent = e.ResourceVersion;
                    if (options.Faults.ShouldDropWatch(type))
                        return;
                    if (Translate(e, labels, fields) is { } eventType)
                        await WriteEventAsync(http, type, eventType, e.Object, asTable);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>The event type a selector-filtered watcher sees, or null when it sees nothing.</summary>
    private static string? Translate(WatchEvent e, LabelSelector labels, FieldSelector fields)
    {
        bool Match(JsonObject? o) => o is not null && labels.Matches(o) && fields.Matches(o);
        var now = Match(e.Object);
        if (e.Type != WatchEvent.Modified)
            return now ? e.Type : null;
        var before = Match(e.Previous);
        return (before, now) switch
        {
            (true, true) => WatchEvent.Modified,
            (false, true) => WatchEvent.Added,
            (true, false) => WatchEvent.Deleted,
            _ => null,
        };
    }

    private static async Task StartStreamAsync(HttpContext http)
    {
        http.Response.StatusCode = 200;
        http.Response.ContentType = "application/json";
        await http.Response.StartAsync(http.RequestAborted);
        await http.Response.Body.FlushAsync(http.RequestAborted);
    }

    private async Task WriteEventAsync(HttpContext http, ResourceType type, string eventType, JsonObject obj, bool asTable)
    {
        var presented = ResourceService.Present(type, obj);
        JsonNode payload = asTable
            ? tables.Convert(type, [presented], ObjectStore.ResourceVersionOf(presented), null, http.Request.Query["includeObject"])
            : presented;
        await WriteLineAsync(http, new JsonObject { ["type"] = eventType, ["object"] = payload });
    }

    private static async Task WriteBookmarkAsync(HttpContext http, ResourceType type, long rv, bool initialEventsEnd)
    {
        var meta = new JsonObject { ["resourceVersion"] = rv.ToString(CultureInfo.InvariantCulture), ["creationTimestamp"] = null };
        if (initialEventsEnd)
            meta["annotations"] = new JsonObject { ["k8s.io/initial-events-end"] = "true" };
        await WriteLineAsync(http, new JsonObject
        {
            ["type"] = WatchEvent.Bookmark,
            ["object"] = new JsonObject { ["kind"] = type.Kind, ["apiVersion"] = type.GroupVersion, ["metadata"] = meta },
        });
    }

    private static async Task WriteLineAsync(HttpContext http, JsonObject line)
    {
        var bytes = Encoding.UTF8.GetBytes(line.ToJsonString() + "\n");
        await http.Response.Body.WriteAsync(bytes, http.RequestAborted);
        await http.Response.Body.FlushAsync(http.RequestAborted);
    }
}
