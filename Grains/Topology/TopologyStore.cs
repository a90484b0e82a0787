using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MultigresOrleans.Etcd;
using MultigresOrleans.Grains.Topology.ClusterMetadata;

namespace MultigresOrleans.Grains.Topology;

/// <summary>What a create-or-update did. <see cref="Unchanged"/> means nothing was written.</summary>
public enum RegistrationOutcome
{
    Created,
    Updated,
    Unchanged,
}

public enum PruneOutcome
{
    /// <summary>The record was deleted.</summary>
    Deleted,

    /// <summary>The directory was listed but held no record (a database dir kept alive by its ShardInitClaim).</summary>
    AlreadyGone,

    /// <summary>The cell was kept because a database record still lists it.</summary>
    Referenced,
}

/// <summary>One stale name and what pruning did about it.</summary>
public sealed record PruneResult(string Name, PruneOutcome Outcome, string? Detail = null);

/// <summary>A decoded record with the etcd key it lives at and the mod_revision a CAS must compare against.</summary>
public sealed record TopologyRecord<T>(string Key, T Value, long ModRevision) where T : IMessage<T>;

/// <summary>A pooler record of one cell.</summary>
public sealed record PoolerRecord(string Key, Multipooler Pooler, long ModRevision);

/// <summary>The shard filter of <c>GetMultipoolersByCell</c>; empty members match anything.</summary>
public sealed record DatabaseShard(string Database, string TableGroup = "", string Shard = "");

public enum ShutdownMarkOutcome
{
    Marked,
    AlreadyShutdown,
}

/// <summary>
/// The operator's view of the Multigres topology (dataplane-contracts §1.3, operator-spec §7.2–7.3)
/// over one long-lived <see cref="EtcdClient"/> for the global topology, plus one client per
/// distinct cell topology, created on first use and reused while the cell keeps its addresses.
/// </summary>
/// <remarks>
/// Every write is conditional on what was read (create-if-absent or compare-and-swap on
/// mod_revision), and an update whose merged record equals the stored one is not written at all,
/// so a steady-state reconcile costs reads only and wakes no watcher (the reference rewrites the
/// Cell and Database records on every reconcile, §8.7). Records are compared as decoded messages,
/// not as bytes, so a different but equivalent encoding by another writer is not "a change".
/// </remarks>
public sealed partial class TopologyStore : IDisposable
{
    /// <summary>How many read-merge-CAS rounds a write tries before reporting BadVersion.</summary>
    public const int MaxCasAttempts = 8;

    private readonly EtcdClient _global;
    private readonly Func<IReadOnlyList<string>, EtcdClient> _cellClientFactory;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _cellClientsLock = new();
    private readonly Dictionary<string, EtcdClient> _cellClients = new(StringComparer.Ordinal);

    /// <param name="global">The global topology client; shared, not owned (the caller disposes it).</param>
    /// <param name="globalRoot">The global root, e.g. <see cref="TopologyPaths.DefaultGlobalRoot"/>.</param>
    /// <param name="cellClientFactory">Makes a client for a cell topology on other addresses; the store owns and disposes what it makes.</param>
    /// <param name="timeProvider">Stamps lifecycle changes.</param>
    /// <param name="logger">Registration and pruning diagnostics.</param>
    public TopologyStore(EtcdClient global, string globalRoot, Func<IReadOnlyList<string>, EtcdClient>? cellClientFactory = null,
        TimeProvider? timeProvider = null, ILogger<TopologyStore>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(global);
        ArgumentException.ThrowIfNullOrEmpty(globalRoot);
        _global = global;
        GlobalRoot = globalRoot;
        _cellClientFactory = cellClientFactory ?? (addresses => new EtcdClient(new EtcdClientOptions { Endpoints = addresses }));
        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    public string GlobalRoot { get; }

    public Task<TopologyRecord<Cell>?> GetCellAsync(string name, CancellationToken cancellationToken = default) =>
        GetAsync(_global, TopologyPaths.CellKey(GlobalRoot, name), Cell.Parser, cancellationToken);

    public Task<TopologyRecord<Database>?> GetDatabaseAsync(string name, CancellationToken cancellationToken = default) =>
        GetAsync(_global, TopologyPaths.DatabaseKey(GlobalRoot, name), Database.Parser, cancellationToken);

    /// <summary>
    /// Create the Cell record, or bring name, server_addresses and root of the stored one in line
    /// with <paramref name="desired"/> (compare-and-swap). Writes nothing when they already match.
    /// </summary>
    public async Task<RegistrationOutcome> RegisterCellAsync(Cell desired, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(desired);
        ArgumentException.ThrowIfNullOrEmpty(desired.Name);
        var outcome = await UpsertAsync(_global, TopologyPaths.CellKey(GlobalRoot, desired.Name), desired, Cell.Parser,
            TopologyRecords.MergeCell, cancellationToken).ConfigureAwait(false);
        Log.Registered(_logger, "cell", desired.Name, outcome);
        return outcome;
    }

    /// <summary>
    /// Create the Database record, or bring backup_location, cells and bootstrap_durability_policy
    /// of the stored one in line with <paramref name="desired"/> (compare-and-swap). Writes nothing
    /// when they already match.
    /// </summary>
    public async Task<RegistrationOutcome> RegisterDatabaseAsync(Database desired, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(desired);
        ArgumentException.ThrowIfNullOrEmpty(desired.Name);
        var outcome = await UpsertAsync(_global, TopologyPaths.DatabaseKey(GlobalRoot, desired.Name), desired, Database.Parser,
            TopologyRecords.MergeDatabase, cancellationToken).ConfigureAwait(false);
        Log.Registered(_logger, "database", desired.Name, outcome);
        return outcome;
    }

    /// <summary>Names of the cell directories, sorted (<c>GetCellNames</c>).</summary>
    public Task<IReadOnlyList<string>> GetCellNamesAsync(CancellationToken cancellationToken = default) =>
        ListDirAsync(TopologyPaths.CellsPrefix(GlobalRoot), cancellationToken);

    /// <summary>
    /// Names of the database directories, sorted (<c>GetDatabaseNames</c>). A name stays listed
    /// after its Database record is deleted while its ShardInitClaim or lock keys remain.
    /// </summary>
    public Task<IReadOnlyList<string>> GetDatabaseNamesAsync(CancellationToken cancellationToken = default) =>
        ListDirAsync(TopologyPaths.DatabasesPrefix(GlobalRoot), cancellationToken);

    /// <summary>
    /// Deletes the Database record of every listed database not in <paramref name="keep"/>. Only the
    /// Database file goes; ShardInitClaims and locks are not the operator's. A listed name without a
    /// record is reported <see cref="PruneOutcome.AlreadyGone"/>.
    /// </summary>
    public async Task<IReadOnlyList<PruneResult>> PruneDatabasesAsync(IReadOnlySet<string> keep, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keep);
        var results = new List<PruneResult>();
        foreach (var name in await GetDatabaseNamesAsync(cancellationToken).ConfigureAwait(false))
        {
            if (keep.Contains(name)) continue;
            var deleted = await _global.DeleteAsync(TopologyPaths.DatabaseKey(GlobalRoot, name), cancellationToken: cancellationToken).ConfigureAwait(false);
            var result = new PruneResult(name, deleted.Deleted > 0 ? PruneOutcome.Deleted : PruneOutcome.AlreadyGone);
            Log.Pruned(_logger, "database", name, result.Outcome);
            results.Add(result);
        }
        return results;
    }

    /// <summary>
    /// Deletes the Cell record of every listed cell not in <paramref name="keep"/>, unless a
    /// Database record still lists it (then <see cref="PruneOutcome.Referenced"/>, never silent).
    /// </summary>
    /// <remarks>
    /// Fixes dataplane-contracts §8.10: upstream's <c>DeleteCell(force=false)</c> reads the
    /// Database record of every listed database name and fails with NoNode for a name whose record
    /// was pruned but whose directory lives on (ShardInitClaim); the reference operator then takes
    /// that NoNode for "cell already gone" and the stale cell stays forever. Here the reference
    /// check is done by the store itself, a listed name without a record references nothing, and
    /// the delete itself is the only thing whose "not found" means "already gone".
    /// </remarks>
    public async Task<IReadOnlyList<PruneResult>> PruneCellsAsync(IReadOnlySet<string> keep, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keep);
        var stale = (await GetCellNamesAsync(cancellationToken).ConfigureAwait(false)).Where(c => !keep.Contains(c)).ToList();
        if (stale.Count == 0) return [];

        var databases = new List<Database>();
        foreach (var name in await GetDatabaseNamesAsync(cancellationToken).ConfigureAwait(false))
        {
            var record = await GetDatabaseAsync(name, cancellationToken).ConfigureAwait(false);
            if (record is not null) databases.Add(record.Value);
        }

        var results = new List<PruneResult>();
        foreach (var cell in stale)
        {
            var referencedBy = databases.FirstOrDefault(d => d.Cells.Contains(cell));
            PruneResult result;
            if (referencedBy is not null)
            {
                result = new PruneResult(cell, PruneOutcome.Referenced, $"cell {cell} is referenced by database {referencedBy.Name}");
            }
            else
            {
                var deleted = await _global.DeleteAsync(TopologyPaths.CellKey(GlobalRoot, cell), cancellationToken: cancellationToken).ConfigureAwait(false);
                result = new PruneResult(cell, deleted.Deleted > 0 ? PruneOutcome.Deleted : PruneOutcome.AlreadyGone);
            }
            Log.Pruned(_logger, "cell", cell, result.Outcome);
            results.Add(result);
        }
        return results;
    }

    /// <summary>
    /// The pooler records of one cell, optionally of one shard (<c>GetMultipoolersByCell</c>),
    /// in key order. Reads the Cell record to find the cell's topology; records of other cells
    /// sharing the same root are dropped. A missing Cell record is NoNode; no poolers is empty.
    /// </summary>
    public async Task<IReadOnlyList<PoolerRecord>> GetPoolersByCellAsync(string cell, DatabaseShard? filter = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(cell);
        if (filter is not null)
        {
            if (filter.Shard.Length > 0 && filter.TableGroup.Length == 0)
                throw new TopologyException(TopologyErrorCode.BadInput, "cannot filter by Shard without specifying TableGroup");
            if (filter.TableGroup.Length > 0 && filter.Database.Length == 0)
                throw new TopologyException(TopologyErrorCode.BadInput, "cannot filter by TableGroup without specifying Database");
        }

        var (client, root) = await CellTopologyAsync(cell, cancellationToken).ConfigureAwait(false);
        var range = await client.GetPrefixAsync(TopologyPaths.PoolersPrefix(root), cancellationToken: cancellationToken).ConfigureAwait(false);
        var records = new List<PoolerRecord>();
        foreach (var kv in range.Kvs)
        {
            var pooler = Decode(kv, Multipooler.Parser);
            if (pooler.Id?.Cell != cell) continue;
            if (filter is not null && filter.Database.Length > 0)
            {
                var key = pooler.ShardKey;
                if (key is null || key.Database != filter.Database) continue;
                if (filter.TableGroup.Length > 0 && key.TableGroup != filter.TableGroup) continue;
                if (filter.Shard.Length > 0 && key.Shard != filter.Shard) continue;
            }
            records.Add(new PoolerRecord(kv.Key, pooler, kv.ModRevision));
        }
        return records;
    }

    /// <summary>
    /// Sets <c>lifecycle_status = {LIFECYCLE_SHUTDOWN, reason, now}</c> on a pooler record by
    /// compare-and-swap, touching nothing else. Never deletes the record. A missing record is
    /// NoNode (nothing written); a record already SHUTDOWN is left as it is.
    /// </summary>
    public async Task<ShutdownMarkOutcome> MarkPoolerShutdownAsync(string cell, ID id, string reason = TopologyRecords.DeadPoolerReason,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        var (client, root) = await CellTopologyAsync(cell, cancellationToken).ConfigureAwait(false);
        var key = TopologyPaths.PoolerKey(root, id);
        var current = await client.GetAsync(key, cancellationToken).ConfigureAwait(false);
        for (var attempt = 0; attempt < MaxCasAttempts; attempt++)
        {
            if (current is null)
                throw new TopologyException(TopologyErrorCode.NoNode, key);
            var stored = Decode(current, Multipooler.Parser);
            if (TopologyRecords.IsShutdown(stored))
                return ShutdownMarkOutcome.AlreadyShutdown;
            var marked = TopologyRecords.WithShutdown(stored, reason, _time.GetUtcNow());
            var cas = await client.CompareAndSwapAsync(key, TopologyRecords.Encode(marked), current.ModRevision, cancellationToken).ConfigureAwait(false);
            if (cas.Succeeded)
            {
                Log.PoolerMarked(_logger, key, reason);
                return ShutdownMarkOutcome.Marked;
            }
            current = cas.Current;
        }
        throw new TopologyException(TopologyErrorCode.BadVersion, key);
    }

    public void Dispose()
    {
        lock (_cellClientsLock)
        {
            foreach (var client in _cellClients.Values.Where(c => !ReferenceEquals(c, _global)))
                client.Dispose();
            _cellClients.Clear();
        }
    }

    /// <summary>
    /// The client and root of a cell's topology, from its Cell record. A cell whose addresses are
    /// the global client's shares that client; other address lists get one cached client each.
    /// </summary>
    private async Task<(EtcdClient Client, string Root)> CellTopologyAsync(string cell, CancellationToken cancellationToken)
    {
        var record = await GetCellAsync(cell, cancellationToken).ConfigureAwait(false)
            ?? throw new TopologyException(TopologyErrorCode.NoNode, TopologyPaths.CellKey(GlobalRoot, cell));
        var addresses = record.Value.ServerAddresses.Select(EtcdClient.NormalizeEndpoint).ToList();
        if (addresses.Count == 0 || addresses.SequenceEqual(_global.Endpoints, StringComparer.Ordinal))
            return (_global, record.Value.Root);
        var cacheKey = string.Join('\n', addresses);
        lock (_cellClientsLock)
        {
            if (!_cellClients.TryGetValue(cacheKey, out var client))
            {
                client = _cellClientFactory(record.Value.ServerAddresses);
                _cellClients[cacheKey] = client;
            }
            return (client, record.Value.Root);
        }
    }

    private static async Task<TopologyRecord<T>?> GetAsync<T>(EtcdClient client, string key, MessageParser<T> parser, CancellationToken cancellationToken)
        where T : IMessage<T>
    {
        var kv = await client.GetAsync(key, cancellationToken).ConfigureAwait(false);
        return kv is null ? null : new TopologyRecord<T>(key, Decode(kv, parser), kv.ModRevision);
    }

    private async Task<IReadOnlyList<string>> ListDirAsync(string prefix, CancellationToken cancellationToken)
    {
        var range = await _global.GetPrefixAsync(prefix, keysOnly: true, cancellationToken).ConfigureAwait(false);
        return TopologyPaths.FirstSegments(prefix, range.Kvs.Select(kv => kv.Key));
    }

    private static async Task<RegistrationOutcome> UpsertAsync<T>(EtcdClient client, string key, T desired, MessageParser<T> parser,
        Func<T, T, T> merge, CancellationToken cancellationToken)
        where T : IMessage<T>
    {
        var current = await client.GetAsync(key, cancellationToken).ConfigureAwait(false);
        for (var attempt = 0; attempt < MaxCasAttempts; attempt++)
        {
            CasResult cas;
            if (current is null)
            {
                cas = await client.CreateAsync(key, TopologyRecords.Encode(desired), cancellationToken).ConfigureAwait(false);
                if (cas.Succeeded) return RegistrationOutcome.Created;
            }
            else
            {
                var stored = Decode(current, parser);
                var merged = merge(stored, desired);
                if (merged.Equals(stored)) return RegistrationOutcome.Unchanged;
                cas = await client.CompareAndSwapAsync(key, TopologyRecords.Encode(merged), current.ModRevision, cancellationToken).ConfigureAwait(false);
                if (cas.Succeeded) return RegistrationOutcome.Updated;
            }
            // Someone else wrote in between; the lost compare carries what is there now.
            current = cas.Current;
        }
        throw new TopologyException(TopologyErrorCode.BadVersion, key);
    }

    private static T Decode<T>(KeyValue kv, MessageParser<T> parser) where T : IMessage<T>
    {
        try
        {
            return parser.ParseFrom(kv.Value);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new TopologyException(TopologyErrorCode.BadInput, $"cannot decode {typeof(T).Name} at {kv.Key}: {e.Message}", e);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "topology {Kind} {Name}: {Outcome}")]
        public static partial void Registered(ILogger logger, string kind, string name, RegistrationOutcome outcome);

        [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "pruned stale topology {Kind} {Name}: {Outcome}")]
        public static partial void Pruned(ILogger logger, string kind, string name, PruneOutcome outcome);

        [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "marked pooler {Key} LIFECYCLE_SHUTDOWN: {Reason}")]
        public static partial void PoolerMarked(ILogger logger, string key, string reason);
    }
}
