using System.Text;

namespace MultigresOrleans.Etcd.Tests;

[Collection(EtcdCollection.Name)]
public sealed class EtcdClientKvTests(EtcdServerFixture etcd) : IDisposable
{
    private readonly EtcdClient _client = etcd.NewClient();
    private readonly string _p = EtcdServerFixture.NewPrefix(nameof(EtcdClientKvTests));

    public void Dispose() => _client.Dispose();

    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public async Task Put_then_get_returns_value_and_revisions()
    {
        var put = await _client.PutAsync(_p + "a", "one");
        var kv = await _client.GetAsync(_p + "a");

        Assert.NotNull(kv);
        Assert.Equal("one", kv.ValueString);
        Assert.Equal(_p + "a", kv.Key);
        Assert.Equal(put.Revision, kv.ModRevision);
        Assert.Equal(put.Revision, kv.CreateRevision);
        Assert.Equal(1, kv.Version);

        var second = await _client.PutAsync(_p + "a", "two");
        var again = await _client.GetAsync(_p + "a");
        Assert.Equal(2, again!.Version);
        Assert.Equal(second.Revision, again.ModRevision);
        Assert.Equal(kv.CreateRevision, again.CreateRevision);
    }

    [Fact]
    public async Task Absent_key_is_a_null_value_not_an_error()
    {
        Assert.Null(await _client.GetAsync(_p + "missing"));
        var range = await _client.RangeAsync(RangeRequest.Single(_p + "missing"));
        Assert.Empty(range.Kvs);
        Assert.True(range.Revision > 0);
    }

    [Fact]
    public async Task Delete_reports_how_many_keys_existed()
    {
        await _client.PutAsync(_p + "d", "x");
        Assert.Equal(1, (await _client.DeleteAsync(_p + "d")).Deleted);
        Assert.Equal(0, (await _client.DeleteAsync(_p + "d")).Deleted);
        Assert.Null(await _client.GetAsync(_p + "d"));
    }

    [Fact]
    public async Task Prefix_range_is_key_ordered_and_excludes_siblings()
    {
        await _client.PutAsync(_p + "dir/b", "2");
        await _client.PutAsync(_p + "dir/a", "1");
        await _client.PutAsync(_p + "dir/c/deep", "3");
        await _client.PutAsync(_p + "dir0", "sibling");
        await _client.PutAsync(_p + "dis", "sibling");

        var range = await _client.GetPrefixAsync(_p + "dir/");
        Assert.Equal([_p + "dir/a", _p + "dir/b", _p + "dir/c/deep"], range.Kvs.Select(k => k.Key));
        Assert.Equal(["1", "2", "3"], range.Kvs.Select(k => k.ValueString));
        Assert.Equal(3, range.Count);

        var keysOnly = await _client.GetPrefixAsync(_p + "dir/", keysOnly: true);
        Assert.Equal(3, keysOnly.Kvs.Count);
        Assert.All(keysOnly.Kvs, kv => Assert.Empty(kv.Value));

        var limited = await _client.RangeAsync(RangeRequest.WithPrefix(_p + "dir/") with { Limit = 2 });
        Assert.Equal(2, limited.Kvs.Count);
        Assert.True(limited.More);
    }

    [Fact]
    public async Task Prefix_delete_removes_only_the_prefix()
    {
        await _client.PutAsync(_p + "x/1", "1");
        await _client.PutAsync(_p + "x/2", "2");
        await _client.PutAsync(_p + "y", "3");

        Assert.Equal(2, (await _client.DeleteAsync(_p + "x/", prefix: true)).Deleted);
        Assert.Equal([_p + "y"], (await _client.GetPrefixAsync(_p)).Kvs.Select(k => k.Key));
    }

    [Fact]
    public async Task Range_at_an_old_revision_sees_the_old_value()
    {
        var first = await _client.PutAsync(_p + "r", "old");
        await _client.PutAsync(_p + "r", "new");
        var old = await _client.RangeAsync(RangeRequest.Single(_p + "r") with { Revision = first.Revision });
        Assert.Equal("old", old.Single!.ValueString);
    }

    [Fact]
    public async Task Create_if_absent_succeeds_once_and_then_reports_the_existing_key()
    {
        var first = await _client.CreateAsync(_p + "c", B("mine"));
        Assert.True(first.Succeeded);
        Assert.Null(first.Current);

        var second = await _client.CreateAsync(_p + "c", B("theirs"));
        Assert.False(second.Succeeded);
        Assert.NotNull(second.Current);
        Assert.Equal("mine", second.Current.ValueString);
        Assert.Equal(first.Revision, second.Current.ModRevision);
        Assert.Equal("mine", (await _client.GetAsync(_p + "c"))!.ValueString);
    }

    [Fact]
    public async Task Compare_and_swap_succeeds_on_the_current_revision_and_fails_on_a_stale_one()
    {
        var created = await _client.CreateAsync(_p + "cas", B("v1"));
        var swapped = await _client.CompareAndSwapAsync(_p + "cas", B("v2"), created.Revision);
        Assert.True(swapped.Succeeded);

        var stale = await _client.CompareAndSwapAsync(_p + "cas", B("v3"), created.Revision);
        Assert.False(stale.Succeeded);
        Assert.Equal("v2", stale.Current!.ValueString);
        Assert.Equal(swapped.Revision, stale.Current.ModRevision);
        var thrown = Assert.Throws<EtcdCompareFailedException>(() => stale.ThrowIfFailed());
        Assert.Equal(swapped.Revision, thrown.Current!.ModRevision);

        Assert.Equal("v2", (await _client.GetAsync(_p + "cas"))!.ValueString);
    }

    [Fact]
    public async Task Compare_and_swap_with_revision_zero_means_only_if_absent()
    {
        Assert.True((await _client.CompareAndSwapAsync(_p + "z", B("a"), 0)).Succeeded);
        var lost = await _client.CompareAndSwapAsync(_p + "z", B("b"), 0);
        Assert.False(lost.Succeeded);
        Assert.Equal("a", lost.Current!.ValueString);
    }

    [Fact]
    public async Task Compare_and_delete_honours_the_revision()
    {
        var created = await _client.CreateAsync(_p + "cd", B("v"));
        var updated = await _client.PutAsync(_p + "cd", "w");
        Assert.False((await _client.CompareAndDeleteAsync(_p + "cd", created.Revision)).Succeeded);
        Assert.True((await _client.CompareAndDeleteAsync(_p + "cd", updated.Revision)).Succeeded);
        Assert.Null(await _client.GetAsync(_p + "cd"));
    }

    [Fact]
    public async Task Txn_compares_on_value_version_and_create_revision()
    {
        var created = await _client.CreateAsync(_p + "t", B("hello"));
        var key = _p + "t";

        var byValue = await _client.TxnAsync(new TxnRequest(
            [Compare.ValueIs(key, CompareOp.Equal, B("hello"))],
            [new TxnOp.Put(key, B("world")), new TxnOp.Get(RangeRequest.Single(key))],
            []));
        Assert.True(byValue.Succeeded);
        Assert.Equal("world", byValue.Responses[1].Range!.Single!.ValueString);
        Assert.NotNull(byValue.Responses[0].Put);

        var wrongValue = await _client.TxnAsync(new TxnRequest([Compare.ValueIs(key, CompareOp.Equal, B("hello"))], [new TxnOp.Delete(key)], []));
        Assert.False(wrongValue.Succeeded);

        var byVersion = await _client.TxnAsync(new TxnRequest([Compare.Version(key, CompareOp.Greater, 1)], [], []));
        Assert.True(byVersion.Succeeded);

        var byCreate = await _client.TxnAsync(new TxnRequest(
            [Compare.CreateRevision(key, CompareOp.Equal, created.Revision), Compare.Version(key, CompareOp.Equal, 2)],
            [new TxnOp.Delete(key)],
            []));
        Assert.True(byCreate.Succeeded);
        Assert.Equal(1, byCreate.Responses[0].Delete!.Deleted);

        var notEqual = await _client.TxnAsync(new TxnRequest([Compare.Version(key, CompareOp.NotEqual, 0)], [], [new TxnOp.Put(key, B("back"))]));
        Assert.False(notEqual.Succeeded);
        Assert.Equal("back", (await _client.GetAsync(key))!.ValueString);
    }

    [Fact]
    public async Task Server_errors_are_typed_with_the_grpc_code()
    {
        var current = await _client.RangeAsync(RangeRequest.Single(_p + "future"));
        var error = await Assert.ThrowsAsync<EtcdServerException>(() =>
            _client.RangeAsync(RangeRequest.Single(_p + "future") with { Revision = current.Revision + 1_000_000 }));
        Assert.Equal(11, error.GrpcCode);
        Assert.Contains("future revision", error.ServerMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Binary_values_round_trip_unchanged()
    {
        var value = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        await _client.PutAsync(_p + "bin", value);
        Assert.Equal(value, (await _client.GetAsync(_p + "bin"))!.Value);
    }
}
