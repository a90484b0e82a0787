using System.Net;
using System.Text.Json.Nodes;
using MultigresOrleans.KubeSim.Tests.Infrastructure;

namespace MultigresOrleans.KubeSim.Tests.Api;

/// <summary>Watch semantics informers depend on: replay from a resourceVersion, selectors, bookmarks, 410 Expired.</summary>
[Collection(KubeSimCollection.Name)]
public sealed class WatchTests(KubeSimFixture fixture)
{
    private HttpClient Http => fixture.Http;

    [Fact]
    public async Task Watch_from_a_list_resource_version_sees_every_later_change_in_order()
    {
        var ns = await fixture.NewNamespaceAsync("watch");
        var path = $"/api/v1/namespaces/{ns}/configmaps";
        await Http.PostJsonAsync(path, ApiClient.ConfigMap("before"));
        var list = (await Http.GetJsonAsync(path)).Object;
        var rv = list["metadata"]!["resourceVersion"]!.GetValue<string>();

        await using var watch = await WatchStream.OpenAsync(Http, $"{path}?watch=true&resourceVersion={rv}");
        var created = (await Http.PostJsonAsync(path, ApiClient.ConfigMap("a"))).Object;
        await Http.PatchJsonAsync($"{path}/a", JsonNode.Parse("""{"data":{"k":"v2"}}""")!);
        await Http.DeleteJsonAsync($"{path}/a");

        var added = await watch.NextAsync("ADDED a");
        Assert.Equal("ADDED", added["type"]!.GetValue<string>());
        Assert.Equal(created.Rv(), ((JsonObject)added["object"]!).Rv());
        var modified = await watch.NextAsync("MODIFIED a");
        Assert.Equal("MODIFIED", modified["type"]!.GetValue<string>());
        Assert.Equal("v2", modified["object"]!["data"]!["k"]!.GetValue<string>());
        var deleted = await watch.NextAsync("DELETED a");
        Assert.Equal("DELETED", deleted["type"]!.GetValue<string>());
        Assert.True(long.Parse(((JsonObject)deleted["object"]!).Rv(), System.Globalization.CultureInfo.InvariantCulture)
                    > long.Parse(((JsonObject)modified["object"]!).Rv(), System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Watch_without_resource_version_starts_with_the_current_state()
    {
        var ns = await fixture.NewNamespaceAsync("watch-state");
        var path = $"/api/v1/namespaces/{ns}/configmaps";
        await Http.PostJsonAsync(path, ApiClient.ConfigMap("existing"));
        await using var watch = await WatchStream.OpenAsync(Http, $"{path}?watch=1");
        var first = await watch.NextAsync("a synthetic ADDED for the existing object");
        Assert.Equal("ADDED", first["type"]!.GetValue<string>());
        Assert.Equal("existing", first["object"]!["metadata"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Label_selected_watch_sees_objects_enter_and_leave_the_selection()
    {
        var ns = await fixture.NewNamespaceAsync("watch-select");
        var path = $"/api/v1/namespaces/{ns}/configmaps";
        await using var watch = await WatchStream.OpenAsync(Http, $"{path}?watch=true&resourceVersion={fixture.Server.Store.CurrentResourceVersion}&labelSelector=app%3Dx");
        await Http.PostJsonAsync(path, ApiClient.ConfigMap("c"));
        await Http.PatchJsonAsync($"{path}/c", JsonNode.Parse("""{"metadata":{"labels":{"app":"x"}}}""")!);
        await Http.PatchJsonAsync($"{path}/c", JsonNode.Parse("""{"metadata":{"labels":{"app":"y"}}}""")!);

        Assert.Equal("ADDED", (await watch.NextAsync("ADDED when the label starts matching"))["type"]!.GetValue<string>());
        Assert.Equal("DELETED", (await watch.NextAsync("DELETED when the label stops matching"))["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Bookmarks_arrive_on_the_server_clock_and_initial_events_end_is_marked()
    {
        var ns = await fixture.NewNamespaceAsync("bookmark");
        var path = $"/api/v1/namespaces/{ns}/configmaps";
        await Http.PostJsonAsync(path, ApiClient.ConfigMap("a"));
        await using var watch = await WatchStream.OpenAsync(Http, $"{path}?watch=true&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan");
        Assert.Equal("ADDED", (await watch.NextAsync("the initial ADDED"))["type"]!.GetValue<string>());
        var end = await watch.NextAsync("the initial-events-end bookmark");
        Assert.Equal("BOOKMARK", end["type"]!.GetValue<string>());
        Assert.Equal("true", end["object"]!["metadata"]!["annotations"]!["k8s.io/initial-events-end"]!.GetValue<string>());

        // The periodic bookmark fires when the manual clock passes the interval; advance until the
        // server has armed its timer and the bookmark is on the wire.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        string? line = null;
        while (line is null && DateTime.UtcNow < deadline)
        {
            fixture.Time.Advance(TimeSpan.FromSeconds(61));
            line = await watch.TryNextAsync(TimeSpan.FromMilliseconds(100));
        }
        Assert.NotNull(line);
        Assert.Equal("BOOKMARK", JsonNode.Parse(line)!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Watching_from_a_compacted_resource_version_answers_410_Expired()
    {
        var ns = await fixture.NewNamespaceAsync("expired");
        var path = $"/api/v1/namespaces/{ns}/configmaps";
        var old = (await Http.PostJsonAsync(path, ApiClient.ConfigMap("a"))).Object.Rv();
        await Http.PostJsonAsync(path, ApiClient.ConfigMap("b"));
        fixture.Server.Store.Compact();

        await using var watch = await WatchStream.OpenAsync(Http, $"{path}?watch=true&resourceVersion={old}");
        var error = await watch.NextAsync("an ERROR event");
        Assert.Equal("ERROR", error["type"]!.GetValue<string>());
        Assert.Equal(410, error["object"]!["code"]!.GetValue<int>());
        Assert.Equal("Expired", error["object"]!["reason"]!.GetValue<string>());

        // A fresh watch from the current version works again.
        var current = (await Http.GetJsonAsync(path)).Object["metadata"]!["resourceVersion"]!.GetValue<string>();
        await using var fresh = await WatchStream.OpenAsync(Http, $"{path}?watch=true&resourceVersion={current}");
        await Http.PostJsonAsync(path, ApiClient.ConfigMap("c"));
        Assert.Equal("ADDED", (await fresh.NextAsync("ADDED c"))["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Watch_of_a_table_sends_table_rows()
    {
        var ns = await fixture.NewNamespaceAsync("watch-table");
        var path = $"/api/v1/namespaces/{ns}/configmaps";
        await using var watch = await WatchStream.OpenAsync(Http, $"{path}?watch=true&resourceVersion={fixture.Server.Store.CurrentResourceVersion}",
            "application/json;as=Table;v=v1;g=meta.k8s.io");
        await Http.PostJsonAsync(path, ApiClient.ConfigMap("a"));
        var e = await watch.NextAsync("ADDED as a Table");
        Assert.Equal("Table", e["object"]!["kind"]!.GetValue<string>());
        Assert.Equal("a", e["object"]!["rows"]![0]!["cells"]![0]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, (await Http.GetJsonAsync(path)).Status);
    }
}
