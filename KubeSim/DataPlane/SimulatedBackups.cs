using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using MultigresOrleans.KubeSim.DataPlane.Protos;

namespace MultigresOrleans.KubeSim.DataPlane;

/// <summary>
/// One backup in a shard's simulated pgBackRest repository. <see cref="Id"/> defaults to the label
/// pgBackRest would give it from its start time (§3.2): <c>YYYYMMDD-HHMMSSF</c> for a full backup,
/// <c>&lt;full label&gt;_YYYYMMDD-HHMMSSD</c> / <c>…I</c> for differential / incremental ones.
/// </summary>
public sealed record SimulatedBackup(DateTimeOffset Start, DateTimeOffset Stop, string Type = "full", bool Complete = true, string? Id = null)
{
    /// <summary>A complete full backup that ran for <paramref name="duration"/> (default: none) and stopped at <paramref name="stop"/>.</summary>
    public static SimulatedBackup Full(DateTimeOffset stop, TimeSpan? duration = null) => new(stop - (duration ?? TimeSpan.Zero), stop);

    public SimulatedBackup ShiftedBy(TimeSpan delta) => this with { Start = Start + delta, Stop = Stop + delta };
}

/// <summary>What GetBackups answers, as a pure function of the shard's repository (dataplane-contracts §3.2, §7.3).</summary>
public static class BackupCatalog
{
    public static string Stamp(DateTimeOffset t) => t.UtcDateTime.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);

    /// <summary>The labels of every backup, in repository order (oldest start first).</summary>
    public static List<(SimulatedBackup Backup, string Label)> Labelled(IEnumerable<SimulatedBackup> backups)
    {
        ArgumentNullException.ThrowIfNull(backups);
        var ordered = backups.OrderBy(b => b.Start).ThenBy(b => b.Stop).ToList();
        var result = new List<(SimulatedBackup, string)>();
        string? lastFull = null;
        foreach (var b in ordered)
        {
            var label = b.Id ?? b.Type switch
            {
                "full" => Stamp(b.Start) + "F",
                "diff" => (lastFull ?? Stamp(b.Start) + "F") + "_" + Stamp(b.Start) + "D",
                _ => (lastFull ?? Stamp(b.Start) + "F") + "_" + Stamp(b.Start) + "I",
            };
            if (b.Type == "full")
                lastFull = label;
            result.Add((b, label));
        }
        return result;
    }

    /// <summary>The response: pgBackRest order (oldest first), and <paramref name="limit"/> keeps the first N, i.e. the oldest (0 = all).</summary>
    public static GetBackupsResponse Render(ShardRef shard, IEnumerable<SimulatedBackup> backups, uint limit, string poolerId)
    {
        ArgumentNullException.ThrowIfNull(shard);
        var response = new GetBackupsResponse();
        var n = 0;
        foreach (var (b, label) in Labelled(backups))
        {
            if (limit > 0 && n >= limit)
                break;
            n++;
            response.Backups.Add(new BackupMetadata
            {
                TableGroup = shard.TableGroup,
                Shard = shard.Shard,
                Status = b.Complete ? BackupMetadata.Types.Status.Complete : BackupMetadata.Types.Status.Incomplete,
                BackupId = label,
                StartLsn = "0/" + (0x2000028 + n * 0x1000000).ToString("X", CultureInfo.InvariantCulture),
                StopLsn = "0/" + (0x2000100 + n * 0x1000000).ToString("X", CultureInfo.InvariantCulture),
                JobId = "kubesim-" + label,
                BackupSizeBytes = 24_000_000,
                Type = b.Type,
                MultipoolerId = poolerId,
                RoutingRole = RoutingRole.Primary,
                StartTimestamp = Timestamp.FromDateTimeOffset(b.Start),
                StopTimestamp = Timestamp.FromDateTimeOffset(b.Stop),
                PgVersion = "17",
            });
        }
        return response;
    }
}
