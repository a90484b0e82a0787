namespace MultigresOrleans.KubeSim.DataPlane;

/// <summary>One expected setting that blocked a reload (ReloadConfigResponse.mismatches).</summary>
public sealed record SettingMismatchInfo(string Name, string Error, bool RequiresRestart);

/// <summary>The gate's verdict: reload, or the mismatches (and whether a restart would resolve them).</summary>
public sealed record ReloadVerdict(bool Reload, IReadOnlyList<SettingMismatchInfo> Mismatches, bool NeedsRestart);

/// <summary>
/// The ReloadConfig gate of dataplane-contracts §3.3 and §7.3 as a pure function over three maps:
/// what the caller expects, what the mounted file says, and what the running postgres uses. Every
/// expected entry must be present in the file, equal to the expected raw value, and applicable; a
/// postmaster-context entry that is written correctly but differs from the running value is not
/// applicable and asks for a restart. File values are never echoed back.
/// </summary>
public static class ReloadGate
{
    /// <summary>pg_file_settings.error for a restart-only setting whose file value differs from the running one.</summary>
    public const string NotAppliedError = "setting could not be applied";

    public static ReloadVerdict Evaluate(
        IReadOnlyDictionary<string, string> expected,
        IReadOnlyDictionary<string, string> file,
        IReadOnlyDictionary<string, string> running)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(running);
        var mismatches = new List<SettingMismatchInfo>();
        var needsRestart = false;
        foreach (var (rawName, value) in expected.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            var name = rawName.ToLowerInvariant();
            if (!file.TryGetValue(name, out var written) || written != value)
            {
                // Absent or different: the mounted file is stale (not synced yet); pg_file_settings has no error for it.
                mismatches.Add(new SettingMismatchInfo(rawName, "", false));
                continue;
            }
            if (PostgresConf.ContextOf(name) == GucContext.Postmaster && running.GetValueOrDefault(name) != written)
            {
                mismatches.Add(new SettingMismatchInfo(rawName, NotAppliedError, true));
                needsRestart = true;
            }
        }
        return new ReloadVerdict(mismatches.Count == 0, mismatches, needsRestart);
    }

    /// <summary>
    /// What postgres runs with after a SIGHUP: every reloadable setting follows the file (a removed one
    /// returns to its default, i.e. leaves the map); restart-only settings keep their running values.
    /// </summary>
    public static Dictionary<string, string> ApplyReload(IReadOnlyDictionary<string, string> file, IReadOnlyDictionary<string, string> running)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(running);
        var next = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in running)
        {
            if (PostgresConf.ContextOf(name) == GucContext.Postmaster)
                next[name] = value;
        }
        foreach (var (name, value) in file)
        {
            if (PostgresConf.ContextOf(name) == GucContext.Sighup)
                next[name] = value;
        }
        return next;
    }
}
