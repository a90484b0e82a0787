namespace MultigresOrleans.Runtime.Tests;

/// <summary>
/// The IGrainStorage contract, run against every provider (memory here, Azure Blob against Azurite):
/// round trip, ETag conflicts on write and clear, create-only-if-absent, clear then recreate.
/// </summary>
public abstract class StorageContract
{
    protected abstract IGrainStorage Storage { get; }

    private sealed class Holder<T> : IGrainState<T>
    {
        public required T State { get; set; }

        public string? ETag { get; set; }

        public bool RecordExists { get; set; }
    }

    private static Holder<CartState> Empty() => new() { State = new CartState() };

    protected static GrainId NewId(string prefix) => new("cart", $"{prefix}/{Guid.NewGuid():N}");

    [Fact]
    public async Task Read_of_a_missing_record_gives_a_new_state_and_no_etag()
    {
        var state = Empty();
        state.State.Items.Add("stale");
        await Storage.ReadStateAsync("cart", NewId("missing"), state);
        Assert.False(state.RecordExists);
        Assert.Null(state.ETag);
        Assert.Empty(state.State.Items);
    }

    [Fact]
    public async Task Write_then_read_round_trips_and_changes_the_etag()
    {
        var id = NewId("round trip ü/€");
        var writer = Empty();
        writer.State.Items.AddRange(["a", "b"]);
        writer.State.Version = 7;
        await Storage.WriteStateAsync("cart", id, writer);
        Assert.True(writer.RecordExists);
        var first = Assert.IsType<string>(writer.ETag);

        var reader = Empty();
        await Storage.ReadStateAsync("cart", id, reader);
        Assert.True(reader.RecordExists);
        Assert.Equal(first, reader.ETag);
        Assert.Equal(["a", "b"], reader.State.Items);
        Assert.Equal(7, reader.State.Version);

        writer.State.Items.Add("c");
        await Storage.WriteStateAsync("cart", id, writer);
        Assert.NotEqual(first, writer.ETag);

        // The same key under another state name is another record.
        var other = Empty();
        await Storage.ReadStateAsync("other", id, other);
        Assert.False(other.RecordExists);
    }

    [Fact]
    public async Task A_write_based_on_a_stale_etag_is_a_conflict()
    {
        var id = NewId("conflict");
        var a = Empty();
        await Storage.WriteStateAsync("cart", id, a);
        var b = Empty();
        await Storage.ReadStateAsync("cart", id, b);
        b.State.Items.Add("from b");
        await Storage.WriteStateAsync("cart", id, b);

        a.State.Items.Add("from a");
        var error = await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteStateAsync("cart", id, a));
        Assert.Contains("conflict", id.Key, StringComparison.Ordinal);
        Assert.NotNull(error.Message);

        var check = Empty();
        await Storage.ReadStateAsync("cart", id, check);
        Assert.Equal(["from b"], check.State.Items);
    }

    [Fact]
    public async Task Creating_a_record_that_already_exists_is_a_conflict()
    {
        var id = NewId("create");
        await Storage.WriteStateAsync("cart", id, Empty());
        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteStateAsync("cart", id, Empty()));
    }

    [Fact]
    public async Task Clear_removes_the_record_and_the_record_can_be_recreated()
    {
        var id = NewId("clear");
        var state = Empty();
        state.State.Items.Add("x");
        await Storage.WriteStateAsync("cart", id, state);
        await Storage.ClearStateAsync("cart", id, state);
        Assert.False(state.RecordExists);
        Assert.Null(state.ETag);

        var read = Empty();
        await Storage.ReadStateAsync("cart", id, read);
        Assert.False(read.RecordExists);

        state.State = new CartState { Items = ["again"] };
        await Storage.WriteStateAsync("cart", id, state);
        await Storage.ReadStateAsync("cart", id, read);
        Assert.True(read.RecordExists);
        Assert.Equal(["again"], read.State.Items);
    }

    [Fact]
    public async Task Clear_with_a_stale_etag_is_a_conflict_and_keeps_the_record()
    {
        var id = NewId("clear-conflict");
        var a = Empty();
        await Storage.WriteStateAsync("cart", id, a);
        var b = Empty();
        await Storage.ReadStateAsync("cart", id, b);
        await Storage.WriteStateAsync("cart", id, b);

        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.ClearStateAsync("cart", id, a));
        var stale = Empty();
        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.ClearStateAsync("cart", id, stale)); // "no record" is stale too
        var read = Empty();
        await Storage.ReadStateAsync("cart", id, read);
        Assert.True(read.RecordExists);
    }
}

public sealed class MemoryStorageTests : StorageContract
{
    protected override IGrainStorage Storage { get; } = new MemoryGrainStorage();
}

public sealed class PersistentStateGrainTests
{
    [Fact]
    public async Task A_grain_reads_its_state_on_activation_and_writes_it()
    {
        var storage = new MemoryGrainStorage();
        var (silo, _, _) = await TestSilo.StartAsync(b => b.AddGrainStorage("Default", storage));
        await using var _silo = silo;
        var cart = silo.GrainFactory.GetGrain<ICartGrain>("c1");
        Assert.Equal((false, (string?)null), await cart.Info());
        await cart.Add("apple");
        await cart.Add("pear");
        var (exists, etag) = await cart.Info();
        Assert.True(exists);
        Assert.NotNull(etag);

        // A fresh silo on the same storage sees the state.
        var (other, _, _) = await TestSilo.StartAsync(b => b.AddGrainStorage("Default", storage));
        await using var _other = other;
        Assert.Equal(["apple", "pear"], await other.GrainFactory.GetGrain<ICartGrain>("c1").Items());
    }

    [Fact]
    public async Task A_concurrent_writer_makes_the_grains_next_write_fail_with_InconsistentStateException()
    {
        var storage = new MemoryGrainStorage();
        var (a, _, _) = await TestSilo.StartAsync(b => b.AddGrainStorage("Default", storage));
        var (b, _, _) = await TestSilo.StartAsync(x => x.AddGrainStorage("Default", storage));
        await using var _a = a;
        await using var _b = b;

        // Two silos that both (wrongly) host the same grain: the ETag is what stops a lost update.
        var onA = a.GrainFactory.GetGrain<ICartGrain>("shared");
        var onB = b.GrainFactory.GetGrain<ICartGrain>("shared");
        await onA.Add("first");
        await onB.Add("second");
        await Assert.ThrowsAsync<InconsistentStateException>(() => onA.Add("lost"));

        await onA.Reload();
        await onA.Add("third");
        Assert.Equal(["first", "second", "third"], await onA.Items());
    }

    [Fact]
    public async Task Clear_resets_the_state_and_a_later_write_recreates_it()
    {
        var (silo, _, _) = await TestSilo.StartAsync();
        await using var _silo = silo;
        var cart = silo.GrainFactory.GetGrain<ICartGrain>("c2");
        await cart.Add("x");
        await cart.Clear();
        Assert.Empty(await cart.Items());
        Assert.Equal((false, (string?)null), await cart.Info());
        await cart.Add("y");
        Assert.Equal(["y"], await cart.Items());
    }
}
