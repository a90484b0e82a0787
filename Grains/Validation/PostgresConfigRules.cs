using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.PostgresConfig;

namespace MultigresOrleans.Grains.Validation;

/// <summary>
/// Admission checks of user <c>postgresConfig</c> maps (spec §3.1 A2, §3.2, §6.11). They are rough on
/// purpose: PostgreSQL validates values authoritatively when it starts, but by then the rendered
/// config has rolled every pod of the shard. The webhook catches what is certainly wrong — a name
/// PostgreSQL 17 does not have, a parameter the operator owns, a value of the wrong broad type —
/// and reports every problem of a map at once, names sorted, so one round trip fixes them all.
/// </summary>
public static partial class PostgresConfigRules
{
    private const string PinnedByPgctld = "pinned by the operator on the pgctld command line";

    /// <summary>
    /// Parameters a user may not set, with the reason shown. pgctld passes the connection and path
    /// parameters on the postgres command line, which beats any postgresql.conf line, so a user value
    /// would be silently ignored; <c>wal_level</c> must stay <c>logical</c> for multigres replication.
    /// </summary>
    public static IReadOnlyDictionary<string, string> ManagedParameters { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["port"] = PinnedByPgctld,
        ["listen_addresses"] = PinnedByPgctld,
        ["unix_socket_directories"] = PinnedByPgctld,
        ["data_directory"] = PinnedByPgctld,
        ["hba_file"] = PinnedByPgctld,
        ["ident_file"] = PinnedByPgctld,
        ["wal_level"] = "managed by the operator; multigres requires wal_level=logical",
    };

    [GeneratedRegex(@"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$")]
    private static partial Regex DecimalFloat();

    [GeneratedRegex(@"^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?[pP]([+-]?[0-9]+)$")]
    private static partial Regex HexFloat();

    /// <summary>
    /// <c>invalid postgresConfig: &lt;p1&gt;; &lt;p2&gt;…</c> for a map with problems, null for a fine or empty one.
    /// This is the ShardTemplate message (spec §3.2); the cluster prefixes its shard (see <see cref="CheckCluster"/>).
    /// </summary>
    public static string? Check(IReadOnlyDictionary<string, string>? config)
    {
        var problems = Problems(config);
        return problems.Count == 0 ? null : "invalid postgresConfig: " + string.Join("; ", problems);
    }

    /// <summary>Every problem of the map, in the byte order of the names (Go's <c>sort.Strings</c>).</summary>
    public static IReadOnlyList<string> Problems(IReadOnlyDictionary<string, string>? config)
    {
        if (config is null || config.Count == 0)
            return [];
        var problems = new List<string>();
        foreach (var name in config.Keys.Order(Utf8Order.Instance))
        {
            if (Problem(name, config[name]) is { } problem)
                problems.Add(problem);
        }
        return problems;
    }

    /// <summary>
    /// Spec §3.1 (A2): the inline <c>spec</c> then the <c>overrides</c> map of every shard, in spec order;
    /// the first map with problems is reported with its shard. Template maps are the ShardTemplate
    /// webhook's to judge, when the template is written.
    /// </summary>
    public static string? CheckCluster(MultigresClusterSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        foreach (var database in spec.Databases ?? [])
        foreach (var tableGroup in database.TableGroups ?? [])
        foreach (var shard in tableGroup.Shards ?? [])
        {
            foreach (var map in new[] { shard.Spec?.PostgresConfig, shard.Overrides?.PostgresConfig })
            {
                if (Check(map) is { } error)
                    return $"database {GoQuote.Quote(database.Name ?? "")} tablegroup {GoQuote.Quote(tableGroup.Name ?? "")} shard {GoQuote.Quote(shard.Name ?? "")}: {error}";
            }
        }
        return null;
    }

    private static string? Problem(string name, string? value)
    {
        // Extension parameters (cron.database_name) are placeholders PostgreSQL accepts even before the
        // extension loads; nothing is known about their names or values.
        if (name.Contains('.', StringComparison.Ordinal))
            return null;
        var lower = name.Trim().ToLowerInvariant();
        if (ManagedParameters.TryGetValue(lower, out var reason))
            return $"parameter {GoQuote.Quote(name)} is managed by the operator and cannot be set: {reason}";
        if (PostgresSettingsCatalog.Find(lower) is not { } setting)
            return $"unknown parameter {GoQuote.Quote(name)}";
        return Matches(value ?? "", setting.Type)
            ? null
            : $"parameter {GoQuote.Quote(name)} expects a {setting.TypeName} value, got {GoQuote.Quote(value ?? "")}";
    }

    /// <summary>The rough type rules of spec §6.11; enum and string values are left to PostgreSQL.</summary>
    public static bool Matches(string value, PostgresSettingType type)
    {
        ArgumentNullException.ThrowIfNull(value);
        var v = value.Trim();
        return type switch
        {
            PostgresSettingType.Bool => v.ToLowerInvariant() is "on" or "off" or "true" or "false" or "yes" or "no" or "1" or "0",
            PostgresSettingType.Integer => IsIntegerWithOptionalUnit(v),
            PostgresSettingType.Real => IsGoFloat(v),
            _ => true,
        };
    }

    // An optional sign, ASCII digits, then an optional alphabetic unit (128MB, 5min, "5 min"); whether
    // the unit suits the parameter is PostgreSQL's to say.
    private static bool IsIntegerWithOptionalUnit(string v)
    {
        var i = v.Length > 0 && v[0] is '+' or '-' ? 1 : 0;
        var start = i;
        while (i < v.Length && char.IsAsciiDigit(v[i]))
            i++;
        return i > start && v[i..].Trim().All(char.IsAsciiLetter);
    }

    /// <summary>
    /// What Go's <c>strconv.ParseFloat(v, 64)</c> accepts: decimal and hexadecimal (with a binary
    /// exponent) forms, <c>inf</c>/<c>infinity</c> with an optional sign and <c>nan</c>, any case; a
    /// finite literal beyond the double range is an error there (ErrRange), so it is refused here too.
    /// </summary>
    public static bool IsGoFloat(string v)
    {
        ArgumentNullException.ThrowIfNull(v);
        var unsigned = v.Length > 0 && v[0] is '+' or '-' ? v[1..] : v;
        if (unsigned.Equals("inf", StringComparison.OrdinalIgnoreCase) || unsigned.Equals("infinity", StringComparison.OrdinalIgnoreCase))
            return true;
        if (v.Equals("nan", StringComparison.OrdinalIgnoreCase))
            return true;
        if (DecimalFloat().IsMatch(v))
            return double.IsFinite(double.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture));
        var hex = HexFloat().Match(v);
        if (!hex.Success || hex.Groups[2].Length + hex.Groups[3].Length == 0)
            return false;
        double mantissa = 0;
        foreach (var digit in hex.Groups[2].Value + hex.Groups[3].Value)
            mantissa = mantissa * 16 + Convert.ToInt32(digit.ToString(), 16);
        if (mantissa == 0)
            return true;
        // Exponents beyond int range overflow (or underflow to 0, which Go accepts).
        if (!int.TryParse(hex.Groups[4].Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var exponent))
            return hex.Groups[4].Value.StartsWith('-');
        return double.IsFinite(Math.ScaleB(mantissa, exponent - 4 * hex.Groups[3].Length));
    }

    /// <summary>Go compares strings byte-wise in UTF-8, which is code-point order (not UTF-16 order).</summary>
    private sealed class Utf8Order : IComparer<string>
    {
        public static readonly Utf8Order Instance = new();

        public int Compare(string? x, string? y)
        {
            if (x is null || y is null)
                return x is null ? (y is null ? 0 : -1) : 1;
            return Encoding.UTF8.GetBytes(x).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(y));
        }
    }
}
