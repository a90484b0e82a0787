namespace MultigresOrleans.Grains.Builders.Shards;

using System.Security.Cryptography;
using System.Text;
using MultigresOrleans.Grains.PostgresConfig;

/// <summary>
/// A rendered postgresql.conf and its restart/reload split (spec §6.11 step 6). <see cref="Text"/> already ends with the
/// config-version marker; <see cref="ReloadSettings"/> includes it (it is what the pooler's ReloadConfig must find in
/// <c>pg_file_settings</c>), the hashes never do.
/// </summary>
public sealed record PostgresConfigRender(
    string Text,
    string RestartHash,
    string ReloadHash,
    IReadOnlyDictionary<string, string> RestartSettings,
    IReadOnlyDictionary<string, string> ReloadSettings);

/// <summary>
/// Splits a rendered file into the settings that need a restart and those a reload applies, and hashes each class.
/// Hashing the <i>effective</i> settings (last assignment wins, comments and layout ignored) rather than the text is
/// what keeps a cosmetic edit from rolling pods, and splitting by GUC context is what lets a reload-only change be
/// applied in place: only the restart-hash feeds the pods' spec-hash.
/// </summary>
public static class PostgresConfigSplit
{
    /// <summary>The marker GUC whose value is the reload-hash; it makes a reload verifiable even when a change only removes a setting.</summary>
    public const string ReloadMarkerName = "multigres.config_reload_marker";

    /// <summary>Parses, classifies, hashes and stamps the marker.</summary>
    public static PostgresConfigRender Split(string rendered)
    {
        ArgumentNullException.ThrowIfNull(rendered);
        var restart = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var reload = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in EffectiveSettings(rendered))
        {
            if (PostgresSettingsCatalog.RequiresRestart(name))
                restart[name] = value;
            else
                reload[name] = value;
        }

        var restartHash = Hash(restart);
        var reloadHash = Hash(reload);

        // Stamped after hashing so the marker never feeds back into the hash it carries.
        var text = rendered + $"\n# Operator-managed config-version marker; do not edit.\n{ReloadMarkerName} = '{reloadHash}'\n";
        reload[ReloadMarkerName] = reloadHash;
        return new PostgresConfigRender(text, restartHash, reloadHash, restart, reload);
    }

    /// <summary>
    /// The effective settings of a postgresql.conf text: blank and comment lines skipped, inline <c>#</c> comments
    /// stripped outside quotes, names lower-cased (PostgreSQL's names are case-insensitive), the last assignment of a
    /// name wins, values trimmed and unquoted. Lines without <c>=</c> are ignored.
    /// </summary>
    public static Dictionary<string, string> EffectiveSettings(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
                continue;
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals < 0)
                continue;
            var name = line[..equals].Trim().ToLowerInvariant();
            if (name.Length == 0)
                continue;
            settings[name] = Unquote(StripInlineComment(line[(equals + 1)..]).Trim());
        }

        return settings;
    }

    /// <summary>SHA-256 hex (lower case) over the sorted <c>name=value\n</c> lines; an empty set hashes the empty input.</summary>
    public static string Hash(IReadOnlyDictionary<string, string> settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var text = new StringBuilder();
        foreach (var (name, value) in settings.OrderBy(s => s.Key, StringComparer.Ordinal))
            text.Append(name).Append('=').Append(value).Append('\n');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>Cuts a trailing <c># …</c> comment; a <c>#</c> inside a quoted value (where <c>''</c> is an escaped quote) stays.</summary>
    private static string StripInlineComment(string value)
    {
        var quoted = false;
        for (var i = 0; i < value.Length; i++)
        {
            switch (value[i])
            {
                case '\'' when quoted && i + 1 < value.Length && value[i + 1] == '\'':
                    i++;
                    break;
                case '\'':
                    quoted = !quoted;
                    break;
                case '#' when !quoted:
                    return value[..i];
            }
        }

        return value;
    }

    /// <summary>Undoes the renderer's quoting so values match the raw tokens PostgreSQL reports in <c>pg_file_settings</c>.</summary>
    private static string Unquote(string value) =>
        value.Length >= 2 && value[0] == '\'' && value[^1] == '\''
            ? value[1..^1].Replace("''", "'", StringComparison.Ordinal)
            : value;
}
