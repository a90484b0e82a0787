using Microsoft.Extensions.Logging;
using MultigresOrleans.Etcd;
using MultigresOrleans.Grains.Topology;

namespace MultigresOrleans.Grains.Operator;

/// <summary>
/// One long-lived <see cref="TopologyStore"/> per global topology (addresses + root), shared by every
/// reconcile of every cluster that uses it. The reference opens a new etcd client on each reconcile;
/// reusing it keeps HTTP/2 connections warm and makes a steady-state reconcile a handful of reads.
/// </summary>
public sealed class TopologyConnections(OperatorOptions options, TimeProvider time, ILoggerFactory loggers) : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (EtcdClient Client, TopologyStore Store)> _stores = new(StringComparer.Ordinal);

    /// <summary>The store for a global topology at <paramref name="addresses"/> (as written in records) under <paramref name="root"/>.</summary>
    public TopologyStore Get(IReadOnlyList<string> addresses, string root)
    {
        var key = string.Join(",", addresses) + "|" + root;
        lock (_lock)
        {
            if (_stores.TryGetValue(key, out var existing))
                return existing.Store;
            var client = NewClient(addresses);
            var store = new TopologyStore(client, root, NewClient, time, loggers.CreateLogger<TopologyStore>());
            _stores[key] = (client, store);
            return store;
        }
    }

    /// <summary>The address the operator dials for <paramref name="address"/> (sandbox overrides applied; scheme added when missing).</summary>
    public string DialAddress(string address)
    {
        if (options.TopologyAddressOverrides.TryGetValue(address, out var overridden))
            return overridden;
        if (options.TopologyAddressFallback is { } fallback)
            return fallback;
        return address.Contains("://", StringComparison.Ordinal) ? address : "http://" + address;
    }

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var (client, store) in _stores.Values)
            {
                store.Dispose();
                client.Dispose();
            }

            _stores.Clear();
        }
    }

    private EtcdClient NewClient(IReadOnlyList<string> addresses) => new(
        new EtcdClientOptions { Endpoints = [.. addresses.Select(DialAddress).Distinct(StringComparer.Ordinal)] },
        timeProvider: time,
        logger: loggers.CreateLogger<EtcdClient>());
}
