using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using MultigresOrleans.Runtime.Introspection;
using MultigresOrleans.Runtime.Placement;

namespace MultigresOrleans.Runtime.Reminders;

/// <summary>
/// Fires durable reminders for the partitions this silo owns. Each reminder has one local one-shot
/// timer; a tick is delivered as a grain call (activating the grain if needed) and the next tick is
/// armed only after delivery finished, so a reminder never overlaps itself. Ticks missed while no
/// silo owned the partition are skipped: the next tick is the first StartAt + k·Period after now.
/// </summary>
internal sealed class ReminderService(SiloRuntime runtime, IReminderTable table) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<(GrainId, string), LocalReminder> local = new();
    private readonly SiloRuntime runtime = runtime;
    private readonly IReminderTable table = table;
    private readonly HashSet<int> loaded = [];

    public IReminderTable Table => table;

    public int LocalCount => local.Count;

    /// <summary>Introspection: the reminders of <paramref name="grainId"/> scheduled here, by name (a scan: dashboards only).</summary>
    public IReadOnlyList<ReminderSnapshot> Inspect(GrainId grainId) =>
        [.. local
            .Where(p => p.Key.Item1 == grainId)
            .Select(p => p.Value.Inspect())
            .OrderBy(r => r.Name, StringComparer.Ordinal)];

    /// <summary>Loads and schedules the reminders of every owned partition not loaded yet; returns how many were scheduled.</summary>
    public async Task<int> LoadOwnedAsync(CancellationToken cancellationToken)
    {
        var scheduled = 0;
        for (var partition = 0; partition < table.PartitionCount; partition++)
        {
            if (!runtime.Membership.IsOwnedLocally(partition))
                continue;
            lock (loaded)
            {
                if (!loaded.Add(partition))
                    continue;
            }

            IReadOnlyList<ReminderEntry> rows;
            try
            {
                rows = await table.ReadRowsAsync(partition, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                // Not loaded after all: the next map change (or restart) tries this partition again.
                lock (loaded)
                    loaded.Remove(partition);
                throw;
            }

            foreach (var row in rows)
            {
                // A reminder registered meanwhile on this silo is newer than the row just read.
                if (!local.ContainsKey((row.GrainId, row.ReminderName)))
                {
                    Schedule(row);
                    scheduled++;
                }
            }
        }

        return scheduled;
    }

    /// <summary>Stops firing the reminders of partitions this silo is handing off (they stay in the table).</summary>
    public void StopPartitions(IReadOnlySet<int> partitions)
    {
        lock (loaded)
            loaded.ExceptWith(partitions);
        foreach (var key in local.Keys)
        {
            if (partitions.Contains(PartitionHash.PartitionOf(key.Item1, table.PartitionCount)) && local.TryRemove(key, out var reminder))
                reminder.Dispose();
        }
    }

    public async Task<IGrainReminder> RegisterOrUpdateAsync(GrainId grainId, string reminderName, TimeSpan dueTime, TimeSpan period, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(reminderName);
        ArgumentOutOfRangeException.ThrowIfLessThan(dueTime, TimeSpan.Zero);
        if (period < runtime.Options.MinimumReminderPeriod)
            throw new ArgumentOutOfRangeException(nameof(period), period, $"reminder periods must be at least {runtime.Options.MinimumReminderPeriod} (SiloOptions.MinimumReminderPeriod); use a grain timer for shorter periods");
        var entry = new ReminderEntry(grainId, reminderName, runtime.TimeProvider.GetUtcNow() + dueTime, period);
        var etag = await table.UpsertRowAsync(entry, cancellationToken).ConfigureAwait(false);
        Schedule(entry with { ETag = etag });
        return new ReminderHandle(reminderName, etag);
    }

    public async Task UnregisterAsync(GrainId grainId, IGrainReminder reminder, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reminder);
        var etag = reminder is ReminderHandle handle
            ? handle.ETag
            : (await table.ReadRowAsync(grainId, reminder.ReminderName, cancellationToken).ConfigureAwait(false))?.ETag;
        if (etag is not null && !await table.RemoveRowAsync(grainId, reminder.ReminderName, etag, cancellationToken).ConfigureAwait(false))
            throw new InvalidOperationException($"reminder '{reminder.ReminderName}' of {grainId} changed since this handle was obtained; get it again with GetReminder");
        if (local.TryRemove((grainId, reminder.ReminderName), out var stopped))
            stopped.Dispose();
    }

    public async Task<IGrainReminder?> GetAsync(GrainId grainId, string reminderName, CancellationToken cancellationToken)
    {
        var row = await table.ReadRowAsync(grainId, reminderName, cancellationToken).ConfigureAwait(false);
        return row is null ? null : new ReminderHandle(row.ReminderName, row.ETag!);
    }

    public ValueTask DisposeAsync()
    {
        foreach (var key in local.Keys)
        {
            if (local.TryRemove(key, out var reminder))
                reminder.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    private void Schedule(ReminderEntry entry)
    {
        var reminder = new LocalReminder(this, entry);
        if (local.TryRemove((entry.GrainId, entry.ReminderName), out var replaced))
            replaced.Dispose();
        local[(entry.GrainId, entry.ReminderName)] = reminder;
        reminder.Arm(DateTimeOffset.MinValue);
    }

    /// <summary>The first tick strictly after <paramref name="after"/> and not before now.</summary>
    internal static DateTimeOffset NextTick(DateTimeOffset startAt, TimeSpan period, DateTimeOffset now, DateTimeOffset after)
    {
        var lower = now > after ? now : after.AddTicks(1);
        if (lower <= startAt)
            return startAt;
        var periods = ((lower - startAt).Ticks + period.Ticks - 1) / period.Ticks;
        return startAt + TimeSpan.FromTicks(periods * period.Ticks);
    }

    private sealed class LocalReminder : IDisposable
    {
        private readonly ReminderService service;
        private readonly ReminderEntry entry;
        private readonly ITimer timer;
        private DateTimeOffset scheduled;
        private long scheduledUtcTicks; // a copy of scheduled that introspection can read from any thread without tearing
        private volatile bool disposed;

        public LocalReminder(ReminderService service, ReminderEntry entry)
        {
            this.service = service;
            this.entry = entry;
            timer = service.runtime.TimeProvider.CreateTimer(static s => _ = ((LocalReminder)s!).FireAsync(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }

        public void Arm(DateTimeOffset after)
        {
            if (disposed)
                return;
            var now = service.runtime.TimeProvider.GetUtcNow();
            scheduled = NextTick(entry.StartAt, entry.Period, now, after);
            Volatile.Write(ref scheduledUtcTicks, scheduled.UtcTicks);
            var due = scheduled - now;
            timer.Change(due < TimeSpan.Zero ? TimeSpan.Zero : due, Timeout.InfiniteTimeSpan);
        }

        public ReminderSnapshot Inspect() =>
            new(entry.ReminderName, entry.StartAt, entry.Period, new DateTimeOffset(Volatile.Read(ref scheduledUtcTicks), TimeSpan.Zero));

        public void Dispose()
        {
            disposed = true;
            timer.Dispose();
        }

        private async Task FireAsync()
        {
            if (disposed)
                return;
            var runtime = service.runtime;
            var tick = scheduled;
            if (runtime.Membership.IsOwnedLocally(PartitionHash.PartitionOf(entry.GrainId, service.table.PartitionCount)))
            {
                var status = new TickStatus(entry.StartAt.UtcDateTime, entry.Period, tick.UtcDateTime);
                var name = entry.ReminderName;
                try
                {
                    await runtime.InvokeAsync(entry.GrainId, new WorkItem(WorkKind.Reminder, name, readOnly: false, keepAlive: true, async grain =>
                    {
                        if (grain is not IRemindable remindable)
                            throw new InvalidOperationException($"{entry.GrainId} has reminder '{name}' but does not implement IRemindable");
                        await remindable.ReceiveReminder(name, status).ConfigureAwait(true);
                        return null;
                    })).ConfigureAwait(false);
                }
#pragma warning disable CA1031 // A failing reminder tick is logged; the reminder keeps its schedule, as in Orleans.
                catch (Exception exception)
#pragma warning restore CA1031
                {
                    Log.ReminderTickFailed(runtime.Logger, entry.GrainId, name, exception);
                }
            }

            Arm(tick);
        }
    }

    private sealed record ReminderHandle(string ReminderName, string ETag) : IGrainReminder;
}
