using System.Globalization;
using System.Text;

namespace MultigresOrleans.Grains.Naming;

/// <summary>
/// Builds Kubernetes object names from several user-chosen parts (spec §4.1, upstream <c>name.JoinWithConstraints</c>).
/// </summary>
/// <remarks>
/// Joining parts with <c>-</c> alone is ambiguous (<c>production-db</c>/<c>app</c> and <c>production</c>/<c>db-app</c>
/// read the same) and sanitising or truncating loses information, so every name ends with an FNV-1a 32-bit hash of the
/// original, unmodified parts, each followed by a 0x00 separator. The readable prefix is for humans; the hash carries
/// the identity. Every name the operator derives this way must stay byte-for-byte equal to the upstream operator's,
/// because the objects of a running cluster are found again by name.
/// </remarks>
public static class NameJoiner
{
    /// <summary>Length of the hex hash suffix.</summary>
    public const int HashLength = 8;

    /// <summary>Smallest <see cref="NameConstraints.MaxLength"/> accepted.</summary>
    public const int MinMaxLength = 12;

    private const uint FnvOffsetBasis = 2166136261;
    private const uint FnvPrime = 16777619;

    /// <summary>
    /// Joins <paramref name="parts"/> with <c>-</c> into a name valid under <paramref name="constraints"/>, always ending
    /// in <c>-</c> + <see cref="Hash(string[])"/> of the parts (or <c>---</c> + hash when the readable prefix was cut).
    /// </summary>
    /// <returns>The name, or <c>""</c> when there are no parts.</returns>
    /// <exception cref="ArgumentException"><see cref="NameConstraints.MaxLength"/> is below 12, or a part is null.</exception>
    public static string JoinWithConstraints(NameConstraints constraints, params string[] parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        return JoinWithConstraints(constraints, parts.AsSpan());
    }

    /// <inheritdoc cref="JoinWithConstraints(NameConstraints, string[])"/>
    public static string JoinWithConstraints(NameConstraints constraints, params ReadOnlySpan<string> parts)
    {
        if (constraints.MaxLength < MinMaxLength)
        {
            throw new ArgumentException(
                $"MaxLength of {constraints.MaxLength.ToString(CultureInfo.InvariantCulture)} is invalid; must be at least {MinMaxLength.ToString(CultureInfo.InvariantCulture)}");
        }

        if (parts.IsEmpty)
        {
            return string.Empty;
        }

        var hash = ComputeHash(parts);

        // An invalid leading UTF-16 sequence decodes as U+FFFD, which transforms to '-' like any other foreign character.
        var first = parts[0];
        _ = Rune.DecodeFromUtf16(first, out var firstRune, out _);
        var prefixX = first.Length == 0 || !constraints.IsValidFirstChar(Transform(firstRune));

        // Each Unicode scalar of a part becomes exactly one ASCII character, so the joined length is known up front and
        // the result is written once, without intermediate strings.
        var joinedLength = (prefixX ? 1 : 0) + parts.Length - 1;
        foreach (var part in parts)
        {
            joinedLength += CountRunes(part);
        }

        var fits = joinedLength + 1 + HashLength <= constraints.MaxLength;
        // Upstream cuts (joined + 9) - MaxLength + 2 characters, which leaves exactly MaxLength - 11 before "---".
        var keep = fits ? joinedLength : constraints.MaxLength - HashLength - 3;
        var separator = fits ? "-" : "---";

        return string.Create(
            keep + separator.Length + HashLength,
            new JoinState(parts, prefixX, keep, separator, hash),
            static (span, state) => state.WriteTo(span));
    }

    /// <summary>
    /// FNV-1a 32-bit over each part's UTF-8 bytes followed by one 0x00 byte, as 8 lowercase hex characters of the
    /// big-endian sum. Also the pooler service id hash (<see cref="PoolerServiceId"/>).
    /// </summary>
    public static string Hash(params string[] parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        return Hash(parts.AsSpan());
    }

    /// <inheritdoc cref="Hash(string[])"/>
    public static string Hash(params ReadOnlySpan<string> parts) =>
        ComputeHash(parts).ToString("x8", CultureInfo.InvariantCulture);

    /// <summary>
    /// The <c>--service-id</c> a pool pod's multipooler registers under in the topology: <c>p-</c> + <see cref="Hash(string[])"/>
    /// of the pod name (spec §4.1, §6.6.1, §16.1). Always 10 characters.
    /// </summary>
    public static string PoolerServiceId(string podName)
    {
        ArgumentNullException.ThrowIfNull(podName);
        return string.Create(
            2 + HashLength,
            ComputeHash([podName]),
            static (span, hash) =>
            {
                span[0] = 'p';
                span[1] = '-';
                hash.TryFormat(span[2..], out _, "x8", CultureInfo.InvariantCulture);
            });
    }

    private static uint ComputeHash(ReadOnlySpan<string> parts)
    {
        var hash = FnvOffsetBasis;
        Span<byte> utf8 = stackalloc byte[4];
        foreach (var part in parts)
        {
            if (part is null)
            {
                throw new ArgumentException("Name parts must not be null.", nameof(parts));
            }

            foreach (var rune in part.EnumerateRunes())
            {
                // A lone surrogate enumerates as U+FFFD, which is also what UTF-8 encoding of the string would write.
                var count = rune.EncodeToUtf8(utf8);
                for (var i = 0; i < count; i++)
                {
                    hash = (hash ^ utf8[i]) * FnvPrime;
                }
            }

            hash *= FnvPrime; // hash ^ 0x00 is hash: the separator byte only multiplies.
        }

        return hash;
    }

    private static int CountRunes(string part)
    {
        var count = 0;
        foreach (var _ in part.EnumerateRunes())
        {
            count++;
        }

        return count;
    }

    /// <summary>Upstream maps per Unicode scalar (Go <c>strings.Map</c>): <c>[a-z0-9-]</c> kept, <c>[A-Z]</c> lowered, all else <c>-</c>.</summary>
    private static char Transform(Rune rune) => rune.Value switch
    {
        >= 'a' and <= 'z' or >= '0' and <= '9' or '-' => (char)rune.Value,
        >= 'A' and <= 'Z' => (char)(rune.Value + ('a' - 'A')),
        _ => '-',
    };

    private readonly ref struct JoinState(ReadOnlySpan<string> parts, bool prefixX, int keep, string separator, uint hash)
    {
        private readonly ReadOnlySpan<string> parts = parts;

        public void WriteTo(Span<char> destination)
        {
            var written = 0;
            if (prefixX)
            {
                written = Append(destination, written, 'x');
            }

            for (var p = 0; p < parts.Length && written < keep; p++)
            {
                if (p > 0)
                {
                    written = Append(destination, written, '-');
                }

                foreach (var rune in parts[p].EnumerateRunes())
                {
                    if (written == keep)
                    {
                        break;
                    }

                    written = Append(destination, written, Transform(rune));
                }
            }

            separator.AsSpan().CopyTo(destination[keep..]);
            hash.TryFormat(destination[(keep + separator.Length)..], out _, "x8", CultureInfo.InvariantCulture);
        }

        private int Append(Span<char> destination, int written, char c)
        {
            if (written < keep)
            {
                destination[written++] = c;
            }

            return written;
        }
    }
}
