using MultigresOrleans.Kubernetes.Client;

namespace MultigresOrleans.Kubernetes.Informers;

/// <summary>
/// Hands out one <see cref="SharedInformer{T}"/> per resource, object type and options, so every
/// component of a process that asks for the same view shares one list, one watch and one cache
/// (what client-go's SharedInformerFactory does). Informers created after <see cref="Start"/> start at once.
/// </summary>
public sealed class InformerFactory : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(ApiResource, Type, InformerOptions), IAsyncDisposable> _informers = [];
    private readonly List<Func<CancellationToken, Task>> _syncWaits = [];
    private readonly List<Action> _starters = [];
    private bool _started;

    public SharedInformer<T> GetOrCreate<T>(ResourceClient<T> client, InformerOptions? options = null) where T : class
    {
        ArgumentNullException.ThrowIfNull(client);
        options ??= new InformerOptions();
        var key = (client.Resource, typeof(T), options);
        lock (_lock)
        {
            if (_informers.TryGetValue(key, out var existing)) return (SharedInformer<T>)existing;
            var informer = new SharedInformer<T>(client, options);
            _informers.Add(key, informer);
            _syncWaits.Add(informer.WaitForSyncAsync);
            _starters.Add(informer.Start);
            if (_started) informer.Start();
            return informer;
        }
    }

    public void Start()
    {
        lock (_lock)
        {
            if (_started) return;
            _started = true;
            foreach (var start in _starters) start();
        }
    }

    /// <summary>Completes when every informer created so far has synced.</summary>
    public Task WaitForSyncAsync(CancellationToken cancellationToken = default)
    {
        Func<CancellationToken, Task>[] waits;
        lock (_lock) waits = [.. _syncWaits];
        return Task.WhenAll(waits.Select(w => w(cancellationToken)));
    }

    public async ValueTask DisposeAsync()
    {
        IAsyncDisposable[] all;
        lock (_lock)
        {
            all = [.. _informers.Values];
            _informers.Clear();
        }
        foreach (var informer in all) await informer.DisposeAsync().ConfigureAwait(false);
    }
}
