using MultigresOrleans.Grains.DataPlane.ManagerData;

namespace MultigresOrleans.Grains.DataPlane;

/// <summary>What a <c>ReloadConfig</c> answer means for the pod (dataplane-contracts §5.5, spec §6.11).</summary>
public enum ReloadVerdict
{
    /// <summary><c>config_load_time</c> is set: PostgreSQL re-read a file carrying every expected setting. Stamp the pod.</summary>
    Reloaded,

    /// <summary>A setting classified reload-safe is written correctly but only a restart applies it. No stamp; retry.</summary>
    NeedsRestart,

    /// <summary>The file the pod sees does not carry the expected settings yet (stale ConfigMap mount) or holds errors. No reload ran; retry.</summary>
    Mismatch,

    /// <summary>An empty answer: PostgreSQL is not running, so nothing was reloaded. Retry.</summary>
    NotRunning,
}

/// <summary>A classified <c>ReloadConfig</c> answer.</summary>
/// <param name="Verdict">What happened.</param>
/// <param name="ConfigLoadTime">PostgreSQL's new <c>pg_conf_load_time()</c>, for <see cref="ReloadVerdict.Reloaded"/>.</param>
/// <param name="Settings">
/// The settings the verdict is about, sorted and distinct: for <see cref="ReloadVerdict.NeedsRestart"/> those that
/// need the restart, for <see cref="ReloadVerdict.Mismatch"/> every mismatched one; empty otherwise.
/// </param>
/// <param name="Mismatches">Every mismatch the pooler reported, as it reported them.</param>
/// <param name="FileNotSynced">
/// The expected config-version marker is among the mismatches: the pod's mounted file is an older render (kubelet has
/// not synced the ConfigMap yet), which only waiting fixes.
/// </param>
public sealed record ReloadOutcome(
    ReloadVerdict Verdict, DateTimeOffset? ConfigLoadTime, IReadOnlyList<string> Settings, IReadOnlyList<SettingMismatch> Mismatches, bool FileNotSynced = false)
{
    /// <summary>The pod's reload-hash annotation may be set to the desired one.</summary>
    public bool StampPod => Verdict == ReloadVerdict.Reloaded;

    /// <summary>When to look again: null once reloaded, else 10 s.</summary>
    public TimeSpan? RetryAfter => Verdict == ReloadVerdict.Reloaded ? null : ReloadDecision.RetryDelay;

    /// <summary>Mismatches PostgreSQL itself rejected (<c>pg_file_settings.error</c>); waiting does not fix these.</summary>
    public IReadOnlyList<SettingMismatch> Errors => [.. Mismatches.Where(m => !string.IsNullOrEmpty(m.Error))];

    /// <summary>One line for logs: the verdict and, per mismatch, name, error and restart flag (never a value).</summary>
    public string Describe() => Mismatches.Count == 0
        ? Verdict.ToString()
        : Verdict + ": " + string.Join(", ", Mismatches.Select(m =>
            m.Name + (string.IsNullOrEmpty(m.Error) ? string.Empty : $" (error: {m.Error})") + (m.RequiresRestart ? " (requires restart)" : string.Empty)));
}

/// <summary>
/// The in-place reload decision (dataplane-contracts §5.5, spec §6.11): the request carrying the rendered reload set,
/// and the verdict on the pooler's answer. The verdict order is the reference's: a set <c>config_load_time</c> wins,
/// then <c>needs_restart</c>, then anything else is "not yet" (a mismatch, or an empty answer from a pooler whose
/// PostgreSQL is down). Only <see cref="ReloadVerdict.Reloaded"/> stamps the pod; every other verdict retries in 10 s,
/// as does an RPC error.
/// </summary>
public static class ReloadDecision
{
    /// <summary>The placeholder GUC that carries the reload-hash in every rendered file (spec §6.11).</summary>
    public const string MarkerSetting = "multigres.config_reload_marker";

    public const string EventReloaded = "ConfigReloaded";
    public const string EventNeedsRestart = "ConfigReloadNeedsRestart";

    /// <summary>How long a pod that is not reloaded yet waits for the next try.</summary>
    public static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The request for a pod: <c>expected_settings</c> = the rendered reload set, which already holds
    /// <see cref="MarkerSetting"/> = the reload-hash, so the gate fails on a stale mount even when a change only removed
    /// a setting.
    /// </summary>
    public static ReloadConfigRequest Request(IReadOnlyDictionary<string, string> reloadSettings)
    {
        ArgumentNullException.ThrowIfNull(reloadSettings);
        var request = new ReloadConfigRequest();
        foreach (var (name, value) in reloadSettings)
            request.ExpectedSettings[name] = value;
        return request;
    }

    /// <summary>
    /// Classifies <paramref name="response"/> to a request made from <paramref name="reloadSettings"/>, which tells a stale
    /// mount (the expected marker mismatched) from other mismatches. Mismatches that name a setting the request did not
    /// expect are still reported (the pooler knows its file better than we do).
    /// </summary>
    public static ReloadOutcome Classify(IReadOnlyDictionary<string, string> reloadSettings, ReloadConfigResponse response)
    {
        ArgumentNullException.ThrowIfNull(reloadSettings);
        ArgumentNullException.ThrowIfNull(response);
        var mismatches = response.Mismatches.Where(m => m is not null).ToList();

        if (response.ConfigLoadTime is { } loaded)
            return new ReloadOutcome(ReloadVerdict.Reloaded, loaded.ToDateTimeOffset(), [], mismatches);

        if (response.NeedsRestart)
        {
            // The reference lists every mismatch; the ones flagged requires_restart are the ones a restart would fix.
            var flagged = mismatches.Where(m => m.RequiresRestart).ToList();
            return new ReloadOutcome(ReloadVerdict.NeedsRestart, null, Names(flagged.Count > 0 ? flagged : mismatches), mismatches);
        }

        var markerStale = reloadSettings.ContainsKey(MarkerSetting) && mismatches.Any(m => m.Name == MarkerSetting);
        return mismatches.Count > 0
            ? new ReloadOutcome(ReloadVerdict.Mismatch, null, Names(mismatches), mismatches, markerStale)
            : new ReloadOutcome(ReloadVerdict.NotRunning, null, [], mismatches);
    }

    /// <summary>
    /// The event for <paramref name="pod"/>: <c>Normal ConfigReloaded</c> on a reload, <c>Warning
    /// ConfigReloadNeedsRestart</c> naming the settings (Go's <c>%v</c> of a string slice: <c>[a b]</c>) when a restart is
    /// needed, none otherwise.
    /// </summary>
    public static DataPlaneEvent? EventFor(string pod, ReloadOutcome outcome)
    {
        ArgumentException.ThrowIfNullOrEmpty(pod);
        ArgumentNullException.ThrowIfNull(outcome);
        return outcome.Verdict switch
        {
            ReloadVerdict.Reloaded => new DataPlaneEvent(DataPlaneEvent.Normal, EventReloaded, $"Reloaded postgresql.conf on pod {pod} without restart"),
            ReloadVerdict.NeedsRestart => new DataPlaneEvent(DataPlaneEvent.Warning, EventNeedsRestart,
                $"pod {pod}: reload-classified setting(s) require a restart: [{string.Join(' ', outcome.Settings)}]"),
            _ => null,
        };
    }

    private static string[] Names(IEnumerable<SettingMismatch> mismatches) =>
        [.. mismatches.Select(m => m.Name).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
}
