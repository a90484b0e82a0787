namespace MultigresOrleans.Etcd.Tests;

[Collection(EtcdCollection.Name)]
public sealed class EtcdWatchTests(EtcdServerFixture etcd) : IDisposable
{
    private readonly EtcdClient _client = etcd.NewClient();
    private readonly string _p = EtcdServerFixture.NewPrefix(nameof(EtcdWatchTests));

    public void Dispose() => _client.Dispose();

    /// <summary>Collects events until <paramref name="count"/> arrived, failing with what was seen after the deadline.</summary>
    private static async Task<List<WatchEvent>> CollectAsync(IAsyncEnumerable<WatchBatch> watch, int count, CancellationTokenSource cts)
    {
        var seen = new List<WatchEvent>();
        try
        {
            await foreach (var batch in watch.WithCancellation(cts.Token))
            {
                Assert.All(batch.Events, e => Assert.True(e.Kv.ModRevision <= batch.Revision));
                seen.AddRange(batch.Events);
                if (seen.Count >= count) break;
            }
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            Assert.Fail($"expected {count} watch events within the deadline, saw {seen.Count}: {string.Join(", ", seen.Select(e => $"{e.Type} {e.Kv.Key}"))}");
        }
        return seen;
    }

    [Fact]
    public async Task Watch_delivers_puts_and_deletes_in_revision_order()
    {
        var start = (await _client.RangeAsync(RangeRequest.Single(_p + "x"))).Revision + 1;
        await _client.PutAsync(_p + "w/a", "1");
        await _client.PutAsync(_p + "w/b", "2");
        await _client.PutAsync(_p + "other", "not watched");
        await _client.DeleteAsync(_p + "w/a");

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var events = await CollectAsync(_client.WatchAsync(_p + "w/", prefix: true, startRevision: start, prevKv: true, cts.Token), 3, cts);

        Assert.Equal([(WatchEventType.Put, _p + "w/a"), (WatchEventType.Put, _p + "w/b"), (WatchEventType.Delete, _p + "w/a")],
            events.Select(e => (e.Type, e.Kv.Key)));
        Assert.Equal("2", events[1].Kv.ValueString);
        Assert.Equal("1", events[2].PrevKv!.ValueString);
    }

    [Fact]
    public async Task Watch_from_now_sees_only_later_writes()
    {
        await _client.PutAsync(_p + "n", "before");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await using var watch = _client.WatchAsync(_p + "n", cancellationToken: cts.Token).GetAsyncEnumerator(cts.Token);
        var next = watch.MoveNextAsync().AsTask();
        // The watch is live once etcd has registered it, which the client cannot observe; writing
        // until the watch reports one is a condition with a deadline (cts), paced by a short timer.
        using var pace = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        var i = 0;
        while (!next.IsCompleted && !cts.IsCancellationRequested)
        {
            await _client.PutAsync(_p + "n", "after" + i++);
            await Task.WhenAny(next, pace.WaitForNextTickAsync(cts.Token).AsTask());
        }
        Assert.True(await next, "expected a watch event for a write made after the watch opened");
        Assert.StartsWith("after", watch.Current.Events[0].Kv.ValueString, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_watch_stream_cut_after_an_event_resumes_at_the_next_revision()
    {
        var start = (await _client.PutAsync(_p + "r/a", "a")).Revision;
        var handler = new CuttingHandler(lines: 2, extraBytes: 0); // "created" + the batch with "a", then EOF
        using var client = new EtcdClient(new EtcdClientOptions { Endpoints = [etcd.ClientUrl] }, handler);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var watch = client.WatchAsync(_p + "r/", prefix: true, startRevision: start, cancellationToken: cts.Token);
        await using var enumerator = watch.GetAsyncEnumerator(cts.Token);

        Assert.True(await enumerator.MoveNextAsync());
        Assert.Equal([_p + "r/a"], enumerator.Current.Events.Select(e => e.Kv.Key));
        await _client.PutAsync(_p + "r/b", "b");
        await _client.PutAsync(_p + "r/c", "c");

        var rest = new List<string>();
        while (rest.Count < 2 && await enumerator.MoveNextAsync())
            rest.AddRange(enumerator.Current.Events.Select(e => e.Kv.Key));
        Assert.Equal([_p + "r/b", _p + "r/c"], rest);
        Assert.Equal(2, handler.Watches);
    }

    [Fact]
    public async Task A_watch_stream_cut_mid_message_is_reopened_not_misparsed()
    {
        var start = (await _client.RangeAsync(RangeRequest.Single(_p + "x"))).Revision + 1;
        foreach (var name in new[] { "a", "b", "c" })
            await _client.PutAsync(_p + "m/" + name, name);

        var handler = new CuttingHandler(lines: 1, extraBytes: 25); // "created", then part of the event line
        using var client = new EtcdClient(new EtcdClientOptions { Endpoints = [etcd.ClientUrl] }, handler);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var events = await CollectAsync(client.WatchAsync(_p + "m/", prefix: true, startRevision: start, cancellationToken: cts.Token), 3, cts);

        Assert.Equal([_p + "m/a", _p + "m/b", _p + "m/c"], events.Select(e => e.Kv.Key));
        Assert.Equal(2, handler.Watches);
    }

    [Fact]
    public async Task Watching_compacted_history_is_a_typed_error()
    {
        var first = await _client.PutAsync(_p + "c", "1");
        var second = await _client.PutAsync(_p + "c", "2");
        await _client.CompactAsync(second.Revision);

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var error = await Assert.ThrowsAsync<EtcdCompactedException>(async () =>
        {
            await foreach (var _ in _client.WatchAsync(_p + "c", startRevision: first.Revision, cancellationToken: cts.Token)) { }
        });
        Assert.True(error.CompactRevision >= second.Revision);
    }

    /// <summary>Cuts the first watch stream after some lines and bytes, as a dropped connection would.</summary>
    private sealed class CuttingHandler(int lines, int extraBytes) : DelegatingHandler(new SocketsHttpHandler())
    {
        private int _watches;

        public int Watches => _watches;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (request.RequestUri!.AbsolutePath == "/v3/watch" && Interlocked.Increment(ref _watches) == 1)
            {
                var inner = await response.Content.ReadAsStreamAsync(cancellationToken);
                response.Content = new StreamContent(new CutAfter(inner, lines, extraBytes));
            }
            return response;
        }
    }

    /// <summary>Passes bytes through up to and including the n-th newline and then <c>extraBytes</c> more, then reports end of stream.</summary>
    private sealed class CutAfter(Stream inner, int lines, int extraBytes) : Stream
    {
        private int _lines = lines;
        private int _extra = extraBytes;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_lines == 0 && _extra == 0) return 0;
            var n = await inner.ReadAsync(buffer[..1], cancellationToken);
            if (n == 1 && _lines == 0) _extra--;
            else if (n == 1 && buffer.Span[0] == (byte)'\n') _lines--;
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
