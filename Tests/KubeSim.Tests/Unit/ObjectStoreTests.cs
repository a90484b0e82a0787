using System.Text.Json.Nodes;
using MultigresOrleans.KubeSim.Storage;
using MultigresOrleans.KubeSim.Tests.Infrastructure;

namespace MultigresOrleans.KubeSim.Tests.Unit;

public sealed class ObjectStoreTests
{
    private static JsonObject Obj(string name) => new() { ["metadata"] = new JsonObject { ["name"] = name } };

    [Fact]
    public void Writes_are_compare_and_swap_on_resource_version()
    {
        var store = new ObjectStore();
        var (created, first) = store.Put("things", "ns", "a", Obj("a"), null);
        Assert.Equal(ObjectStore.WriteOutcome.Ok, created);
        Assert.Equal(ObjectStore.WriteOutcome.AlreadyExists, store.Put("things", "ns", "a", Obj("a"), null).Outcome);
        Assert.Equal(ObjectStore.WriteOutcome.Conflict, store.Put("things", "ns", "a", Obj("a"), "999").Outcome);
        var (updated, second) = store.Put("things", "ns", "a", Obj("a"), first!.Rv());
        Assert.Equal(ObjectStore.WriteOutcome.Ok, updated);
        Assert.True(long.Parse(second!.Rv(), System.Globalization.CultureInfo.InvariantCulture) > long.Parse(first!.Rv(), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(ObjectStore.WriteOutcome.NotFound, store.Delete("things", "ns", "b", null).Outcome);
    }

    [Fact]
    public void Bounded_history_expires_old_resource_versions()
    {
        var store = new ObjectStore(historyCapacity: 3);
        var start = store.CurrentResourceVersion;
        for (var i = 0; i < 5; i++)
            store.Put("things", "ns", $"o{i}", Obj($"o{i}"), null);
        Assert.Throws<ResourceVersionExpiredException>(() => store.Watch("things", null, start));
        using var recent = store.Watch("things", null, store.CurrentResourceVersion - 2);
        Assert.Equal(["o3", "o4"], recent.Initial.Select(e => e.Name));
    }

    [Fact]
    public void Watches_receive_changes_with_the_previous_state()
    {
        var store = new ObjectStore();
        using var watch = store.Watch("things", "ns", store.CurrentResourceVersion);
        var (_, a) = store.Put("things", "ns", "a", Obj("a"), null);
        store.Put("things", "other", "b", Obj("b"), null);
        store.Put("things", "ns", "a", Obj("a"), a!.Rv());
        Assert.True(watch.Events.TryRead(out var added));
        Assert.Equal(WatchEvent.Added, added.Type);
        Assert.True(watch.Events.TryRead(out var modified));
        Assert.Equal(WatchEvent.Modified, modified.Type);
        Assert.NotNull(modified.Previous);
        Assert.False(watch.Events.TryRead(out _));
    }
}
