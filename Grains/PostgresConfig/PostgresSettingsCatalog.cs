using System.Collections.Frozen;

namespace MultigresOrleans.Grains.PostgresConfig;

/// <summary>The broad PostgreSQL parameter types of <c>pg_settings.vartype</c>.</summary>
public enum PostgresSettingType
{
    Bool,
    Integer,
    Real,
    String,
    Enum,
}

/// <summary>One built-in parameter: its name (lower case), type and GUC context (<c>postmaster</c>, <c>sighup</c>, <c>user</c>, …).</summary>
public sealed record PostgresSetting(string Name, PostgresSettingType Type, string Context)
{
    /// <summary>The type as <c>pg_settings.vartype</c> spells it, which is also how admission messages name it.</summary>
    public string TypeName => TypeNames[(int)Type];

    internal static readonly string[] TypeNames = ["bool", "integer", "real", "string", "enum"];
}

/// <summary>
/// The 389 built-in settings of PostgreSQL 17 (spec §6.11), read from the embedded
/// <c>pg_settings_17.txt</c>. The operator ships one Postgres major version, so the catalog is a
/// fixed fact rather than something asked of a live server: the webhook must judge a
/// <c>postgresConfig</c> map before any Postgres exists. Lookups are case-insensitive because
/// PostgreSQL lower-cases parameter names.
/// </summary>
public static class PostgresSettingsCatalog
{
    private const string ResourceName = "MultigresOrleans.Grains.PostgresConfig.pg_settings_17.txt";

    private static readonly FrozenDictionary<string, PostgresSetting> Settings = Load();

    /// <summary>Every setting, sorted by name.</summary>
    public static IReadOnlyList<PostgresSetting> All { get; } = [.. Settings.Values.OrderBy(s => s.Name, StringComparer.Ordinal)];

    public static int Count => Settings.Count;

    /// <summary>The setting called <paramref name="name"/> (any case), or null when PostgreSQL 17 has no such built-in.</summary>
    public static PostgresSetting? Find(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Settings.GetValueOrDefault(name);
    }

    /// <summary>
    /// Whether changing the setting needs a server restart (spec §6.11 split): contexts
    /// <c>postmaster</c> and <c>internal</c>, and — because nothing is known about them — unknown and
    /// extension (<c>x.y</c>) names.
    /// </summary>
    public static bool RequiresRestart(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Contains('.', StringComparison.Ordinal) || Find(name) is not { } setting)
            return true;
        return setting.Context is "postmaster" or "internal";
    }

    private static FrozenDictionary<string, PostgresSetting> Load()
    {
        using var stream = typeof(PostgresSettingsCatalog).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"embedded resource {ResourceName} is missing");
        using var reader = new StreamReader(stream);
        var settings = new Dictionary<string, PostgresSetting>(StringComparer.OrdinalIgnoreCase);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line.StartsWith('#'))
                continue;
            var fields = line.Split('\t');
            if (fields.Length != 3)
                throw new InvalidOperationException($"{ResourceName}: malformed line '{line}'");
            var type = Array.IndexOf(PostgresSetting.TypeNames, fields[1]);
            if (type < 0)
                throw new InvalidOperationException($"{ResourceName}: unknown type '{fields[1]}' of '{fields[0]}'");
            settings.Add(fields[0], new PostgresSetting(fields[0], (PostgresSettingType)type, fields[2]));
        }
        return settings.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
    }
}
