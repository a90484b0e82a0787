using System.Text.Json;
using MultigresOrleans.Runtime.Membership;

namespace MultigresOrleans.Runtime.Introspection;

/// <summary>
/// One silo as a dashboard or a metrics scrape sees it, taken at <see cref="TakenAt"/>. Every value
/// is read without stopping the silo, so counters taken together are close but not one atomic cut.
/// </summary>
/// <param name="SiloName">The configured silo (pod) name.</param>
/// <param name="Identity">What the partition map names: the silo name, plus the incarnation under Kubernetes membership.</param>
/// <param name="Status">Created, Active, Leaving, Fenced or Stopped (the membership's word for this silo when it has one).</param>
/// <param name="TakenAt">When the snapshot was taken, by the silo's clock.</param>
/// <param name="Endpoint">Where the silo accepts remote grain calls (null without a remote transport).</param>
/// <param name="MapVersion">Version of the newest partition map this silo has seen.</param>
/// <param name="PartitionCount">Partitions in the cluster.</param>
/// <param name="OwnedPartitions">Partitions this silo serves right now (what <see cref="IMembershipOracle.IsOwnedLocally"/> says).</param>
/// <param name="ActivationCount">Live activations, including ones activating or deactivating.</param>
/// <param name="ActivationsByType">Live activations per grain type.</param>
/// <param name="TotalActivations">Activations that completed OnActivateAsync since the silo was built.</param>
/// <param name="TotalDeactivations">Activations that finished deactivating since the silo was built.</param>
/// <param name="ScheduledReminders">Reminders scheduled (armed) on this silo.</param>
/// <param name="Calls">Call statistics per grain type, sorted by type.</param>
/// <param name="Cluster">The cluster as this silo's membership sees it.</param>
public sealed record SiloSnapshot(
    string SiloName,
    string Identity,
    string Status,
    DateTimeOffset TakenAt,
    Uri? Endpoint,
    long MapVersion,
    int PartitionCount,
    IReadOnlyList<int> OwnedPartitions,
    int ActivationCount,
    IReadOnlyDictionary<string, int> ActivationsByType,
    long TotalActivations,
    long TotalDeactivations,
    int ScheduledReminders,
    IReadOnlyList<GrainTypeCallStats> Calls,
    ClusterSnapshot Cluster);

/// <param name="MapVersion">Version of the partition map the silos below are judged against.</param>
/// <param name="Leader">Identity holding the leader role, or null when none is known (or there is no leader: single-silo membership).</param>
/// <param name="Silos">Every silo the membership sees, sorted by identity; just this silo when the membership cannot tell.</param>
public sealed record ClusterSnapshot(long MapVersion, string? Leader, IReadOnlyList<SiloInfo> Silos);

/// <summary>Calls received by this silo for one grain type since it was built (the same calls <c>grain.calls</c> counts).</summary>
/// <param name="GrainType">The grain type.</param>
/// <param name="Calls">Calls that arrived here, including ones refused because the partition had moved.</param>
/// <param name="Failures">Calls that ended with an exception from the grain (or its activation, or a timeout); refusals are not failures.</param>
/// <param name="Latency">Arrival-to-completion time of those calls.</param>
public sealed record GrainTypeCallStats(string GrainType, long Calls, long Failures, LatencyHistogram Latency);

/// <summary>
/// A fixed-bucket latency histogram. <see cref="Counts"/> has one entry per bound (calls taking at
/// most that many milliseconds and more than the previous bound) plus a last entry for calls slower
/// than the last bound (+∞, which JSON cannot spell, hence implicit).
/// </summary>
/// <param name="BoundsMs">Upper bounds of the finite buckets, in milliseconds, ascending.</param>
/// <param name="Counts">Calls per bucket; <c>BoundsMs.Count + 1</c> entries.</param>
/// <param name="Count">Calls in the histogram.</param>
/// <param name="SumMs">Total time of those calls, in milliseconds (sum / count is the mean).</param>
/// <param name="P50Ms">Median estimated from the buckets (linear within a bucket); 0 when there were no calls.</param>
/// <param name="P99Ms">99th percentile, estimated the same way; a rank in the +∞ bucket reports the last finite bound.</param>
public sealed record LatencyHistogram(IReadOnlyList<double> BoundsMs, IReadOnlyList<long> Counts, long Count, double SumMs, double P50Ms, double P99Ms);

/// <summary>
/// One activation as it is right now. Read without taking the grain's turn: values the grain is
/// changing concurrently may be a moment old, and a state that could not be read consistently says so
/// in <see cref="PersistentStateSnapshot.Error"/>.
/// </summary>
/// <param name="GrainId">Text form <c>type/key</c>.</param>
/// <param name="GrainType">The grain type.</param>
/// <param name="Key">The grain's key.</param>
/// <param name="Partition">Its placement partition.</param>
/// <param name="Status">Activating, Valid or Deactivating.</param>
/// <param name="CreatedAt">When this activation was created (its first call arrived).</param>
/// <param name="ActivatedAt">When OnActivateAsync completed; null while activating.</param>
/// <param name="LastActivity">Last time a call or keep-alive tick finished (what idle collection looks at).</param>
/// <param name="QueueLength">Work items waiting for a turn.</param>
/// <param name="RunningTurns">Turns running now (more than one only for interleaved [ReadOnly] calls).</param>
/// <param name="States">Its persistent states, in constructor order.</param>
/// <param name="Timers">Its grain timers, in registration order.</param>
/// <param name="Reminders">Its reminders scheduled on this silo, sorted by name.</param>
/// <param name="RecentCalls">Its last calls and reminder ticks, oldest first (at most <see cref="SiloOptions.RecentCallsPerActivation"/>).</param>
public sealed record GrainSnapshot(
    string GrainId,
    string GrainType,
    string Key,
    int Partition,
    string Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ActivatedAt,
    DateTimeOffset LastActivity,
    int QueueLength,
    int RunningTurns,
    IReadOnlyList<PersistentStateSnapshot> States,
    IReadOnlyList<GrainTimerSnapshot> Timers,
    IReadOnlyList<ReminderSnapshot> Reminders,
    IReadOnlyList<CallRecord> RecentCalls);

/// <param name="Name">The state name from <c>[PersistentState(name)]</c>.</param>
/// <param name="Provider">The storage provider's registered name.</param>
/// <param name="StateType">The CLR type of the state.</param>
/// <param name="ETag">The version the activation holds (null: none read or written).</param>
/// <param name="RecordExists">Whether the activation believes a record is stored.</param>
/// <param name="Value">The state serialised with the provider's serialiser; null when it could not be read.</param>
/// <param name="Error">Why <see cref="Value"/> is missing (e.g. the grain was changing it at that moment).</param>
public sealed record PersistentStateSnapshot(string Name, string Provider, string StateType, string? ETag, bool RecordExists, JsonElement? Value, string? Error);

/// <param name="DueTime">The configured first due time (null: infinite, i.e. not started).</param>
/// <param name="Period">The configured period (null: one-shot).</param>
/// <param name="NextDue">When the next tick is due; null while a tick runs or when nothing is armed.</param>
/// <param name="TickRunning">Whether a tick is queued or running now.</param>
/// <param name="KeepAlive">Whether ticks count as activity for idle collection.</param>
public sealed record GrainTimerSnapshot(TimeSpan? DueTime, TimeSpan? Period, DateTimeOffset? NextDue, bool TickRunning, bool KeepAlive);

/// <param name="Name">The reminder name.</param>
/// <param name="StartAt">Its first tick; later ticks fall at StartAt + k·Period.</param>
/// <param name="Period">Its period.</param>
/// <param name="NextDue">The tick currently armed on this silo.</param>
public sealed record ReminderSnapshot(string Name, DateTimeOffset StartAt, TimeSpan Period, DateTimeOffset NextDue);

/// <param name="Name">The method (or reminder) name.</param>
/// <param name="Kind">Call or Reminder.</param>
/// <param name="StartedAt">When its turn started.</param>
/// <param name="DurationMs">How long its turn took, in milliseconds.</param>
/// <param name="Outcome"><c>ok</c>, or the full type name of the exception it ended with.</param>
public sealed record CallRecord(string Name, string Kind, DateTimeOffset StartedAt, double DurationMs, string Outcome);
