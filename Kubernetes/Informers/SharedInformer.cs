using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using MultigresOrleans.Kubernetes.Client;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Kubernetes.Informers;

/// <summary>What an informer lists and watches, and how often it replays its cache.</summary>
public sealed record InformerOptions
{
    /// <summary>One namespace, or null for all namespaces (and for cluster-scoped resources).</summary>
    public string? Namespace { get; init; }

    /// <summary>Cache only objects matching this selector, e.g. <c>app.kubernetes.io/managed-by=my-operator</c>.</summary>
    public string? LabelSelector { get; init; }

    public string? FieldSelector { get; init; }

    /// <summary>Every period, every cached object is delivered again as an update (old == new); null disables.</summary>
    public TimeSpan? ResyncPeriod { get; init; }

    /// <summary>List page size; large caches are fetched in pages so no single response is huge.</summary>
    public int PageSize { get; init; } = 500;

    /// <summary>Watch behaviour (idle timeout, reconnect delays, server timeout); selectors and version are set by the informer.</summary>
    public WatchOptions Watch { get; init; } = new();

    /// <summary>First pause after a failed list; doubled up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// A list-then-watch cache of one resource shared by any number of handlers, like client-go's
/// SharedIndexInformer. The reflector lists (in pages), replaces the cache, then watches from the
/// list's resourceVersion; the watch resumes itself across disconnects, and when the server says
/// that version is gone (410) the reflector lists again and turns the difference into add, update
/// and delete notifications, so handlers never miss a deletion that happened while disconnected.
/// Notifications are queued and delivered in order on one dispatch loop, so a slow handler delays
/// other handlers but never the watch.
/// </summary>
public sealed class SharedInformer<T> : IAsyncDisposable where T : class
{
    private readonly ResourceClient<T> _client;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Channel<Notification> _queue = Channel.CreateUnbounded<Notification>(new UnboundedChannelOptions { SingleReader = true });
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _lock = new();
    private IResourceEventHandler<T>[] _handlers = [];
    private CancellationTokenSource? _cts;
    private Task? _reflector;
    private Task? _dispatcher;
    private ITimer? _resync;
    private long _relists;
    private bool _disposed;

    public SharedInformer(ResourceClient<T> client, InformerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
        Options = options ?? new InformerOptions();
        _time = client.Client.TimeProvider;
        _logger = client.Client.LoggerFactory.CreateLogger<SharedInformer<T>>();
        Cache.AddIndex(Indexers.Namespace, Indexers.ByNamespace);
    }

    public InformerOptions Options { get; }

    /// <summary>The resource this informer lists and watches.</summary>
    public ApiResource Resource => _client.Resource;

    /// <summary>The cache, indexed by namespace from the start; add more with <see cref="AddIndex"/>.</summary>
    public InformerCache<T> Cache { get; } = new();

    /// <summary>True once the first list has filled the cache.</summary>
    public bool HasSynced => _synced.Task.IsCompletedSuccessfully;

    /// <summary>The resourceVersion the cache reflects (last list, event or bookmark).</summary>
    public string? LastSyncResourceVersion { get; private set; }

    /// <summary>Full lists done, the first one included: more than one means the watch was restarted by a 410 or an error.</summary>
    public long ListCount => Interlocked.Read(ref _relists);

    public void AddIndex(string name, IndexFunc<T> func) => Cache.AddIndex(name, func);

    public Task WaitForSyncAsync(CancellationToken cancellationToken = default) => _synced.Task.WaitAsync(cancellationToken);

    /// <summary>
    /// Registers a handler. A handler added after the informer has synced first receives an add
    /// for every cached object (in its own dispatch turn), then live changes.
    /// </summary>
    public void AddEventHandler(IResourceEventHandler<T> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        _queue.Writer.TryWrite(new Notification(NotificationKind.Register, null, null, false, handler));
    }

    /// <summary>Starts the reflector, the dispatcher and the resync timer; returns at once (see <see cref="WaitForSyncAsync"/>).</summary>
    public void Start()
    {
        lock (_lock)
        {
            if (_cts is not null) throw new InvalidOperationException("the informer is already started");
            _cts = new CancellationTokenSource();
            var token = _cts.Token;
            _dispatcher = Task.Run(() => DispatchAsync(token), CancellationToken.None);
            _reflector = Task.Run(() => ReflectAsync(token), CancellationToken.None);
            if (Options.ResyncPeriod is { } period && period > TimeSpan.Zero)
                _resync = _time.CreateTimer(static s => ((SharedInformer<T>)s!).Resync(), this, period, period);
        }
    }

    public async ValueTask DisposeAsync()
    {
        CancellationTokenSource? cts;
        lock (_lock)
        {
            // Idempotent: owners that share an informer may each dispose it.
            if (_disposed) return;
            _disposed = true;
            cts = _cts;
        }
        if (cts is null) return;
        if (_resync is not null) await _resync.DisposeAsync().ConfigureAwait(false);
        await cts.CancelAsync().ConfigureAwait(false);
        _queue.Writer.TryComplete();
        foreach (var task in new[] { _reflector, _dispatcher })
        {
            try
            {
                if (task is not null) await task.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Stopping is the expected way out.
            }
        }
        cts.Dispose();
    }

    private async Task ReflectAsync(CancellationToken cancellationToken)
    {
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var resourceVersion = await ListAndReplaceAsync(cancellationToken).ConfigureAwait(false);
                failures = 0;
                var watch = Options.Watch with
                {
                    ResourceVersion = resourceVersion,
                    LabelSelector = Options.LabelSelector,
                    FieldSelector = Options.FieldSelector,
                    AllowBookmarks = true,
                };
                await foreach (var ev in _client.WatchAsync(Options.Namespace, watch, cancellationToken).ConfigureAwait(false))
                {
                    Apply(ev);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (ResourceExpiredException)
            {
                // The watch fell behind what the server keeps: only a fresh list is consistent.
                InformerLog.Relisting(_logger, _client.Resource.DisplayName, LastSyncResourceVersion);
            }
            catch (Exception e)
            {
                failures++;
                var delay = TimeSpan.FromTicks(Math.Min(Options.MaxRetryDelay.Ticks, Options.RetryDelay.Ticks * (1L << Math.Min(failures - 1, 20))));
                InformerLog.ListWatchFailed(_logger, e, _client.Resource.DisplayName, delay);
                try
                {
                    await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task<string?> ListAndReplaceAsync(CancellationToken cancellationToken)
    {
        var items = new List<T>();
        var options = new ListOptions { LabelSelector = Options.LabelSelector, FieldSelector = Options.FieldSelector, Limit = Options.PageSize };
        // The watch starts from the FIRST page's resourceVersion. A real API server serves every page
        // from that snapshot, so nothing changes; a server that reads later pages from current state
        // (KubeSim, test fakes, some aggregated APIs) would otherwise hide every change made while
        // paging: the watch would start after it. Replaying from the first page converges instead.
        string? resourceVersion = null;
        while (true)
        {
            var page = await _client.ListAsync(Options.Namespace, options, cancellationToken).ConfigureAwait(false);
            items.AddRange(page.Items);
            resourceVersion ??= page.ResourceVersion;
            if (page.Continue is null) break;
            options = options with { Continue = page.Continue };
        }
        Interlocked.Increment(ref _relists);

        var initial = !HasSynced;
        var before = Cache.Snapshot();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            var meta = ObjectAccess.Metadata(item);
            var key = InformerCache<T>.KeyOf(meta);
            seen.Add(key);
            if (before.TryGetValue(key, out var old) && old.ResourceVersion == meta.ResourceVersion) continue;
            var replaced = Cache.Upsert(item, meta);
            Enqueue(replaced is null
                ? new Notification(NotificationKind.Add, null, item, initial, null)
                : new Notification(NotificationKind.Update, replaced, item, false, null));
        }
        foreach (var (key, old) in before)
        {
            if (seen.Contains(key)) continue;
            if (Cache.Delete(key) is { } removed) Enqueue(new Notification(NotificationKind.Delete, null, removed, false, null));
        }
        LastSyncResourceVersion = resourceVersion;
        _synced.TrySetResult();
        return resourceVersion;
    }

    private void Apply(WatchEvent<T> ev)
    {
        if (ev.ResourceVersion is { Length: > 0 } rv) LastSyncResourceVersion = rv;
        if (ev.Object is null) return;
        switch (ev.Type)
        {
            case WatchEventType.Added:
            case WatchEventType.Modified:
                {
                    var meta = ObjectAccess.Metadata(ev.Object);
                    var old = Cache.Upsert(ev.Object, meta);
                    Enqueue(old is null
                        ? new Notification(NotificationKind.Add, null, ev.Object, false, null)
                        : new Notification(NotificationKind.Update, old, ev.Object, false, null));
                    break;
                }
            case WatchEventType.Deleted:
                {
                    var meta = ObjectAccess.Metadata(ev.Object);
                    if (Cache.Delete(InformerCache<T>.KeyOf(meta)) is not null)
                        Enqueue(new Notification(NotificationKind.Delete, null, ev.Object, false, null));
                    break;
                }
            default:
                break;
        }
    }

    private void Resync()
    {
        foreach (var obj in Cache.List())
            Enqueue(new Notification(NotificationKind.Update, obj, obj, false, null));
    }

    private void Enqueue(Notification n) => _queue.Writer.TryWrite(n);

    private async Task DispatchAsync(CancellationToken cancellationToken)
    {
        await foreach (var n in _queue.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            if (n.Kind == NotificationKind.Register)
            {
                var handler = n.Handler!;
                if (HasSynced)
                {
                    foreach (var obj in Cache.List()) Invoke(handler, h => h.OnAdd(obj, true));
                }
                _handlers = [.. _handlers, handler];
                continue;
            }
            foreach (var handler in _handlers)
            {
                switch (n.Kind)
                {
                    case NotificationKind.Add: Invoke(handler, h => h.OnAdd(n.New!, n.Initial)); break;
                    case NotificationKind.Update: Invoke(handler, h => h.OnUpdate(n.Old!, n.New!)); break;
                    case NotificationKind.Delete: Invoke(handler, h => h.OnDelete(n.New!)); break;
                    default: break;
                }
            }
        }
    }

    private void Invoke(IResourceEventHandler<T> handler, Action<IResourceEventHandler<T>> call)
    {
        try
        {
            call(handler);
        }
#pragma warning disable CA1031 // one failing handler must not stop delivery to the others
        catch (Exception e)
#pragma warning restore CA1031
        {
            InformerLog.HandlerFailed(_logger, e, _client.Resource.DisplayName);
        }
    }

    private enum NotificationKind { Add, Update, Delete, Register }

    private sealed record Notification(NotificationKind Kind, T? Old, T? New, bool Initial, IResourceEventHandler<T>? Handler);
}

internal static partial class InformerLog
{
    [LoggerMessage(1, LogLevel.Information, "informer {Resource}: resourceVersion {ResourceVersion} expired; relisting")]
    public static partial void Relisting(ILogger logger, string resource, string? resourceVersion);

    [LoggerMessage(2, LogLevel.Warning, "informer {Resource}: list/watch failed; retrying in {Delay}")]
    public static partial void ListWatchFailed(ILogger logger, Exception exception, string resource, TimeSpan delay);

    [LoggerMessage(3, LogLevel.Error, "informer {Resource}: an event handler threw")]
    public static partial void HandlerFailed(ILogger logger, Exception exception, string resource);
}
