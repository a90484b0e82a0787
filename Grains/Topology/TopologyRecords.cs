using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using MultigresOrleans.Grains.Topology.ClusterMetadata;

namespace MultigresOrleans.Grains.Topology;

/// <summary>
/// Pure encode/decode and merge rules of the records the operator writes (dataplane-contracts
/// §2.5, operator-spec §7.2). Values in etcd are raw binary protobuf. Merges start from the stored
/// message, so fields this operator does not know (a newer Multigres) survive an update.
/// </summary>
public static class TopologyRecords
{
    /// <summary>The reason <c>MarkDeadPoolers</c> writes (dataplane-contracts §5.3).</summary>
    public const string DeadPoolerReason = "operator: no backing pod for pooler";

    public static byte[] Encode(IMessage message) => message.ToByteArray();

    public static Cell DecodeCell(ReadOnlySpan<byte> bytes) => Cell.Parser.ParseFrom(bytes);

    public static Database DecodeDatabase(ReadOnlySpan<byte> bytes) => Database.Parser.ParseFrom(bytes);

    public static Multipooler DecodeMultipooler(ReadOnlySpan<byte> bytes) => Multipooler.Parser.ParseFrom(bytes);

    public static Cell NewCell(string name, IEnumerable<string> serverAddresses, string root)
    {
        var cell = new Cell { Name = name, Root = root };
        cell.ServerAddresses.AddRange(serverAddresses);
        return cell;
    }

    /// <summary>
    /// <c>UpdateCellFields</c> as the cluster controller uses it: name, server_addresses and root
    /// come from the spec, everything else stays as stored.
    /// </summary>
    public static Cell MergeCell(Cell stored, Cell desired)
    {
        var merged = stored.Clone();
        merged.Name = desired.Name;
        merged.ServerAddresses.Clear();
        merged.ServerAddresses.AddRange(desired.ServerAddresses);
        merged.Root = desired.Root;
        return merged;
    }

    /// <summary>
    /// <c>UpdateDatabaseFields</c>: backup_location, cells and bootstrap_durability_policy come from
    /// the spec. Unlike the reference, a stored non-zero <c>authoritative_generation</c> is kept
    /// when the spec does not set one: the operator never sets it, and wiping it would put every
    /// pooler of a re-keyed repository into error state (dataplane-contracts §2.5, §8.20).
    /// </summary>
    public static Database MergeDatabase(Database stored, Database desired)
    {
        var merged = stored.Clone();
        if (string.IsNullOrEmpty(merged.Name)) merged.Name = desired.Name;
        merged.BackupLocation = desired.BackupLocation?.Clone();
        if (merged.BackupLocation is not null && merged.BackupLocation.AuthoritativeGeneration == 0 && stored.BackupLocation is not null)
            merged.BackupLocation.AuthoritativeGeneration = stored.BackupLocation.AuthoritativeGeneration;
        merged.Cells.Clear();
        merged.Cells.AddRange(desired.Cells);
        merged.BootstrapDurabilityPolicy = desired.BootstrapDurabilityPolicy?.Clone();
        return merged;
    }

    /// <summary>
    /// The bootstrap durability policy for a policy name (empty means <c>AT_LEAST_2</c>). The
    /// quorum type is always set: <c>QUORUM_TYPE_UNKNOWN</c> makes multiorch fail.
    /// </summary>
    public static DurabilityPolicy DurabilityPolicyFor(string? policyName) => (string.IsNullOrEmpty(policyName) ? "AT_LEAST_2" : policyName) switch
    {
        "AT_LEAST_2" => new DurabilityPolicy { PolicyName = "AT_LEAST_2", QuorumType = QuorumType.AtLeastN, RequiredCount = 2 },
        "MULTI_CELL_AT_LEAST_2" => new DurabilityPolicy { PolicyName = "MULTI_CELL_AT_LEAST_2", QuorumType = QuorumType.MultiCellAtLeastN, RequiredCount = 2 },
        _ => throw new ArgumentException($"unsupported durability policy \"{policyName}\" (supported: AT_LEAST_2, MULTI_CELL_AT_LEAST_2)", nameof(policyName)),
    };

    public static BackupLocation FilesystemBackupLocation(string? path, bool requireEncryption) => new()
    {
        Filesystem = new FilesystemBackup { Path = string.IsNullOrEmpty(path) ? "/backups" : path },
        RequireInitialRepoEncryption = requireEncryption,
    };

    public static BackupLocation S3BackupLocation(S3Backup s3, bool requireEncryption) => new()
    {
        S3 = s3,
        RequireInitialRepoEncryption = requireEncryption,
    };

    public static Database NewDatabase(string name, BackupLocation backupLocation, IEnumerable<string> cells, DurabilityPolicy policy)
    {
        var database = new Database { Name = name, BackupLocation = backupLocation, BootstrapDurabilityPolicy = policy };
        database.Cells.AddRange(cells);
        return database;
    }

    /// <summary>
    /// The pooler with <c>lifecycle_status = {SHUTDOWN, reason, updated}</c> and nothing else
    /// changed, as upstream's <c>MarkDeadPoolers</c> writes it (readers check lifecycle first, §8.14).
    /// </summary>
    public static Multipooler WithShutdown(Multipooler stored, string reason, DateTimeOffset now)
    {
        var marked = stored.Clone();
        marked.LifecycleStatus = new PoolerLifecycle
        {
            Status = PoolerLifecycleStatus.LifecycleShutdown,
            Reason = reason,
            Updated = Timestamp.FromDateTimeOffset(now),
        };
        return marked;
    }

    public static bool IsShutdown(Multipooler pooler) => pooler.LifecycleStatus?.Status == PoolerLifecycleStatus.LifecycleShutdown;

    /// <summary>
    /// <c>PodMatchesPooler</c>: the record's <c>id.name</c> is the pod name, or its hostname is the
    /// pod name or starts with <c>pod + "."</c> (the FQDN the pooler publishes).
    /// </summary>
    public static bool PodMatchesPooler(string podName, Multipooler pooler) =>
        pooler.Id?.Name == podName
        || pooler.Hostname == podName
        || pooler.Hostname.StartsWith(podName + ".", StringComparison.Ordinal);

    /// <summary>
    /// Records no live pod backs and that are not already SHUTDOWN: the candidates for
    /// <see cref="TopologyStore.MarkPoolerShutdownAsync"/>. Pods still terminating count as live.
    /// </summary>
    public static IReadOnlyList<PoolerRecord> FindDeadPoolers(IEnumerable<PoolerRecord> records, IReadOnlyCollection<string> podNames) =>
        [.. records.Where(r => !IsShutdown(r.Pooler) && !podNames.Any(pod => PodMatchesPooler(pod, r.Pooler)))];

    /// <summary>How long a record must have had no backing pod before it is marked SHUTDOWN (contracts §8.13).</summary>
    public static readonly TimeSpan DeadPoolerGrace = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Which of <paramref name="candidates"/> (from <see cref="FindDeadPoolers"/>) have been without a pod for
    /// <paramref name="grace"/>, by record key. The reference marks at first sight, and a mark on a live pooler never
    /// heals (contracts §8.13): a pod missing from a lagging cache, or a crashed pod about to be recreated under the
    /// same name, would be tombstoned for good. <paramref name="absentSince"/> is when each candidate was first seen
    /// without a pod; the result carries the updated map (candidates that got a pod back drop out) and when the
    /// earliest pending candidate falls due, so a quiet shard still re-checks.
    /// </summary>
    public static DeadPoolerDecision DueForShutdownMark(
        IReadOnlyList<PoolerRecord> candidates, IReadOnlyDictionary<string, DateTimeOffset> absentSince, DateTimeOffset now, TimeSpan grace)
    {
        var since = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        var due = new List<PoolerRecord>();
        TimeSpan? next = null;
        foreach (var candidate in candidates)
        {
            var first = absentSince.TryGetValue(candidate.Key, out var seen) && seen <= now ? seen : now;
            since[candidate.Key] = first;
            var remaining = first + grace - now;
            if (remaining <= TimeSpan.Zero)
                due.Add(candidate);
            else if (next is null || remaining < next)
                next = remaining;
        }

        return new DeadPoolerDecision(due, since, next);
    }
}

/// <summary>The records to mark now, the absence times to keep, and when the next pending one falls due.</summary>
public sealed record DeadPoolerDecision(IReadOnlyList<PoolerRecord> ToMark, IReadOnlyDictionary<string, DateTimeOffset> AbsentSince, TimeSpan? NextDue);
