using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace MultigresOrleans.Runtime.Storage.Kubernetes;

/// <summary>
/// Names, labels and annotations of the ConfigMaps the Kubernetes providers write.
/// </summary>
/// <remarks>
/// A grain key is an arbitrary string (slashes, unicode, any length) but an object name must be a
/// DNS-1123 subdomain of at most 253 characters, so no escaping scheme fits every key. The name is
/// therefore <c>{prefix}-{type}-{state}-{hash}</c>: the type and state name squeezed into the
/// allowed alphabet only to be readable in <c>kubectl get</c>, and 128 bits of SHA-256 over the exact
/// identity to make it unique (a collision needs ~2^64 states). The exact identity lives in
/// annotations, and in labels where it is a valid label value, so an operator can find and clean
/// up objects with a selector.
/// </remarks>
public static class KubernetesObjectNames
{
    public const string ManagedByLabel = "app.kubernetes.io/managed-by";
    public const string ManagedByValue = "multigres-orleans-runtime";
    public const string KindLabel = "runtime.multigres.io/kind";
    public const string GrainStateKind = "grain-state";
    public const string RemindersKind = "reminders";
    public const string GrainTypeKey = "runtime.multigres.io/grain-type";
    public const string StateNameKey = "runtime.multigres.io/state-name";
    public const string GrainKeyAnnotation = "runtime.multigres.io/grain-key";
    public const string PartitionKey = "runtime.multigres.io/partition";

    /// <summary>
    /// A fresh value per write. The API server keeps the resourceVersion of an update that changes
    /// nothing, but the storage contract wants every write to be a new version (a writer that stored
    /// identical content must still invalidate the ETag everyone else read), so every write changes this.
    /// </summary>
    public const string WriteIdAnnotation = "runtime.multigres.io/write-id";

    /// <summary>The ConfigMap data key holding the JSON state.</summary>
    public const string StateDataKey = "state.json";

    /// <summary>The ConfigMap data key holding a reminder partition's rows.</summary>
    public const string RemindersDataKey = "rows.json";

    /// <summary>Selects every object these providers wrote of one kind (<see cref="GrainStateKind"/> or <see cref="RemindersKind"/>).</summary>
    public static string Selector(string kind) => $"{ManagedByLabel}={ManagedByValue},{KindLabel}={kind}";

    private const int ReadablePartLength = 40;
    private const int HashBytes = 16;

    // Strict: a key that is not valid UTF-16 (a lone surrogate) would otherwise be replaced by U+FFFD
    // and share a name with another key; refusing it keeps names collision-free.
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The ConfigMap name of one grain state record.</summary>
    public static string StateObjectName(string prefix, string stateName, GrainId grainId)
    {
        ArgumentNullException.ThrowIfNull(stateName);
        // Length prefixes make the identity injective whatever characters the parts contain.
        var identity = string.Create(CultureInfo.InvariantCulture, $"{stateName.Length}:{stateName}/{grainId.Type.Length}:{grainId.Type}/{grainId.Key}");
        byte[] utf8;
        try
        {
            utf8 = StrictUtf8.GetBytes(identity);
        }
        catch (EncoderFallbackException e)
        {
            throw new ArgumentException($"grain {grainId} state '{stateName}' contains invalid UTF-16 (a lone surrogate) and cannot be stored", nameof(grainId), e);
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(utf8).AsSpan(0, HashBytes));
        var builder = new StringBuilder(prefix);
        foreach (var part in (ReadOnlySpan<string>)[Readable(grainId.Type), Readable(stateName)])
        {
            if (part.Length > 0)
                builder.Append('-').Append(part);
        }

        return builder.Append('-').Append(hash).ToString();
    }

    /// <summary>The ConfigMap name of one reminder partition.</summary>
    public static string ReminderObjectName(string prefix, int partition) =>
        string.Create(CultureInfo.InvariantCulture, $"{prefix}-{partition:D4}");

    /// <summary>Whether <paramref name="value"/> may be a label value (≤ 63 of [A-Za-z0-9-_.], alphanumeric at both ends, or empty).</summary>
    public static bool IsValidLabelValue(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length == 0)
            return true;
        return value.Length <= 63
            && char.IsAsciiLetterOrDigit(value[0])
            && char.IsAsciiLetterOrDigit(value[^1])
            && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
    }

    /// <summary>Whether <paramref name="name"/> is a DNS-1123 subdomain (what an object name must be).</summary>
    public static bool IsValidSubdomain(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        // As Kubernetes' IsDNS1123Subdomain: the RFC 1123 label alphabet between dots, 253 in all
        // (the 63-character limit of a single DNS label is not applied to object names).
        return name.Length is > 0 and <= 253 && name.Split('.').All(part =>
            part.Length > 0
            && part.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')
            && part[0] != '-'
            && part[^1] != '-');
    }

    /// <summary>Whether <paramref name="name"/> is a DNS-1123 label (what a namespace name must be).</summary>
    public static bool IsValidLabel(string name) =>
        name.Length is > 0 and <= 63
        && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')
        && name[0] != '-'
        && name[^1] != '-';

    internal static void ValidatePrefix(string prefix)
    {
        if (prefix is null || !IsValidLabel(prefix))
            throw new ArgumentException($"'{prefix}' is not a valid name prefix (a DNS label: at most 63 of a-z, 0-9 and '-', alphanumeric at both ends)", nameof(prefix));
    }

    internal static void ValidateNamespace(string ns)
    {
        if (!IsValidLabel(ns))
            throw new ArgumentException($"'{ns}' is not a valid namespace name", nameof(ns));
    }

    internal static Dictionary<string, string> StateLabels(string stateName, GrainId grainId)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [ManagedByLabel] = ManagedByValue,
            [KindLabel] = GrainStateKind,
        };
        if (IsValidLabelValue(grainId.Type))
            labels[GrainTypeKey] = grainId.Type;
        if (IsValidLabelValue(stateName))
            labels[StateNameKey] = stateName;
        return labels;
    }

    internal static Dictionary<string, string> StateAnnotations(string stateName, GrainId grainId) => new(StringComparer.Ordinal)
    {
        [GrainTypeKey] = grainId.Type,
        [StateNameKey] = stateName,
        [GrainKeyAnnotation] = grainId.Key,
        [WriteIdAnnotation] = Guid.NewGuid().ToString("N"),
    };

    /// <summary>Lower-case alphanumerics with single '-' between runs of anything else, cut to a fixed length; empty if nothing is left.</summary>
    private static string Readable(string text)
    {
        var builder = new StringBuilder(ReadablePartLength);
        foreach (var c in text)
        {
            if (builder.Length == ReadablePartLength)
                break;
            if (char.IsAsciiLetterOrDigit(c))
                builder.Append(char.ToLowerInvariant(c));
            else if (builder.Length > 0 && builder[^1] != '-')
                builder.Append('-');
        }

        while (builder.Length > 0 && builder[^1] == '-')
            builder.Length--;
        return builder.ToString();
    }
}
