using FsCheck;
using FsCheck.Fluent;

namespace MultigresOrleans.Etcd.Tests;

public sealed class EtcdPureTests
{
    [Theory]
    [InlineData("a", new byte[] { (byte)'b' })]
    [InlineData("/x/", new byte[] { (byte)'/', (byte)'x', (byte)'0' })]
    public void Prefix_end_increments_the_last_byte(string prefix, byte[] expected) =>
        Assert.Equal(expected, EtcdKeys.PrefixEnd(System.Text.Encoding.UTF8.GetBytes(prefix)));

    [Fact]
    public void Prefix_end_drops_trailing_ff_bytes_and_maps_all_ff_to_zero()
    {
        Assert.Equal(new byte[] { 2 }, EtcdKeys.PrefixEnd([1, 0xff, 0xff]));
        Assert.Equal(new byte[] { 0 }, EtcdKeys.PrefixEnd([0xff]));
        Assert.Equal(new byte[] { 0 }, EtcdKeys.PrefixEnd([]));
    }

    [Fact]
    public void Every_extension_of_a_prefix_sorts_below_its_prefix_end() =>
        Prop.ForAll<byte[], byte[]>((prefix, suffix) =>
        {
            var end = EtcdKeys.PrefixEnd(prefix);
            if (end is [0]) return true; // "to the end of the keyspace"
            byte[] key = [.. prefix, .. suffix];
            return key.AsSpan().SequenceCompareTo(end) < 0 && prefix.AsSpan().SequenceCompareTo(end) < 0;
        }).QuickCheckThrowOnFailure();

    [Theory]
    [InlineData("minimal-global-topo.default.svc:2379", "http://minimal-global-topo.default.svc:2379")]
    [InlineData("http://127.0.0.1:2379/", "http://127.0.0.1:2379")]
    [InlineData("https://etcd.example:2379", "https://etcd.example:2379")]
    public void Bare_addresses_are_read_as_http(string endpoint, string expected) =>
        Assert.Equal(expected, EtcdClient.NormalizeEndpoint(endpoint));

    [Fact]
    public void Options_without_endpoints_are_rejected() =>
        Assert.Throws<ArgumentException>(() => new EtcdClient(new EtcdClientOptions { Endpoints = [] }));
}
