using System.Text;
using System.Text.RegularExpressions;
using FsCheck;
using FsCheck.Fluent;
using MultigresOrleans.Grains.Naming;

namespace MultigresOrleans.Grains.Tests.Naming;

/// <summary>
/// Properties of <see cref="NameJoiner.JoinWithConstraints(NameConstraints, string[])"/> over arbitrary part lists:
/// ASCII, uppercase, punctuation, BMP and supplementary Unicode, lone surrogates, empty parts and parts long enough to
/// force truncation.
/// </summary>
public sealed partial class NamePropertyTests
{
    private const int MaxTest = 1000;

    private static readonly NameConstraints[] ConstraintSets =
    [
        NameConstraints.Default, NameConstraints.Service, NameConstraints.StatefulSet, NameConstraints.Pod,
    ];

    private static readonly Gen<string> Atom = Gen.Frequency(
        (6, Gen.Elements("abcdefghijklmnopqrstuvwxyz0123456789-".ToCharArray()).Select(c => c.ToString())),
        (2, Gen.Elements("ABCDEFGHIJKLMNOPQRSTUVWXYZ".ToCharArray()).Select(c => c.ToString())),
        (2, Gen.Elements("_./ :@\0\t~".ToCharArray()).Select(c => c.ToString())),
        (1, Gen.Choose(0x80, 0xD7FF).Select(c => ((char)c).ToString())),
        (1, Gen.Choose(0x10000, 0x10FFFF).Select(char.ConvertFromUtf32)),
        (1, Gen.Choose(0xD800, 0xDFFF).Select(c => ((char)c).ToString())),
        (1, ArbMap.Default.GeneratorFor<string>().Where(s => s is not null)));

    private static readonly Gen<string> Part = Gen.Frequency(
        (1, Gen.Constant(string.Empty)),
        (8, Gen.Choose(1, 60).SelectMany(n => Atom.ArrayOf(n)).Select(string.Concat)));

    private static readonly Gen<string[]> Parts = Gen.Choose(1, 8).SelectMany(n => Part.ArrayOf(n));

    private static readonly Gen<NameConstraints> Constraints = Gen.Frequency(
        (4, Gen.Elements(ConstraintSets)),
        (1, Gen.Choose(12, 300).Zip(Gen.Elements(FirstCharRule.LowercaseLetter, FirstCharRule.LowercaseAlphanumeric))
            .Select(t => new NameConstraints(t.Item1, t.Item2))));

    private static readonly Arbitrary<(NameConstraints Constraints, string[] Parts)> Inputs =
        Arb.From(Constraints.Zip(Parts));

    private static void Check(Property property) =>
        property.Check(Config.QuickThrowOnFailure.WithMaxTest(MaxTest));

    [GeneratedRegex("^[a-z]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1035Label();

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex Dns1123Subdomain();

    [Fact]
    public void Result_never_exceeds_max_length() =>
        Check(Prop.ForAll(Inputs, input =>
            NameJoiner.JoinWithConstraints(input.Constraints, input.Parts).Length <= input.Constraints.MaxLength));

    [Fact]
    public void Result_is_a_valid_kubernetes_name_for_its_constraint_set() =>
        Check(Prop.ForAll(Inputs, input =>
        {
            var name = NameJoiner.JoinWithConstraints(input.Constraints, input.Parts);

            if (input.Constraints.FirstChar == FirstCharRule.LowercaseLetter)
            {
                // Service, StatefulSet and Pod names: DNS-1035 labels (≤ 63 for every built-in set).
                Assert.Matches(Dns1035Label(), name);
            }
            else
            {
                // Default: a DNS-1123 subdomain; dots are transformed away, so it is a single dot-free segment.
                Assert.Matches(Dns1123Subdomain(), name);
                Assert.DoesNotContain('.', name);
            }

            if (ConstraintSets.Contains(input.Constraints) && input.Constraints != NameConstraints.Default)
            {
                Assert.True(name.Length <= 63, name);
            }
        }));

    [Fact]
    public void Result_ends_with_the_hash_of_the_original_parts() =>
        Check(Prop.ForAll(Inputs, input =>
        {
            var name = NameJoiner.JoinWithConstraints(input.Constraints, input.Parts);
            var hash = NameJoiner.Hash(input.Parts);

            Assert.EndsWith("-" + hash, name, StringComparison.Ordinal);
            Assert.Matches("^[0-9a-f]{8}$", hash);
        }));

    [Fact]
    public void Result_is_the_transformed_join_or_its_cut_prefix() =>
        Check(Prop.ForAll(Inputs, input =>
        {
            var name = NameJoiner.JoinWithConstraints(input.Constraints, input.Parts);
            var joined = ReferenceJoin(input.Constraints, input.Parts);
            var body = name[..^NameJoiner.HashLength];

            if (joined.Length + 1 + NameJoiner.HashLength <= input.Constraints.MaxLength)
            {
                Assert.Equal(joined + "-", body);
            }
            else
            {
                Assert.Equal(input.Constraints.MaxLength, name.Length);
                Assert.Equal(joined[..(input.Constraints.MaxLength - NameJoiner.HashLength - 3)] + "---", body);
            }
        }));

    [Fact]
    public void Result_is_deterministic() =>
        Check(Prop.ForAll(Inputs, input =>
        {
            // Fresh string instances rule out any dependence on reference identity.
            var copy = input.Parts.Select(p => new string(p.AsSpan())).ToArray();

            Assert.Equal(
                NameJoiner.JoinWithConstraints(input.Constraints, input.Parts),
                NameJoiner.JoinWithConstraints(input.Constraints, copy));
        }));

    [Fact]
    public void Hash_is_fnv1a_32_over_the_utf8_stream() =>
        Check(Prop.ForAll(Arb.From(Parts), parts =>
        {
            var expected = 2166136261u;
            foreach (var b in HashStream(parts))
            {
                expected = unchecked((expected ^ b) * 16777619u);
            }

            Assert.Equal(expected.ToString("x8", System.Globalization.CultureInfo.InvariantCulture), NameJoiner.Hash(parts));
        }));

    /// <summary>
    /// What "distinct part lists ⇒ distinct names" can mean with a 32-bit hash: the name always ends with the hash, so
    /// two inputs whose hashes differ must get different names — whatever the transform and truncation did to the
    /// readable prefix. This property checks exactly that implication over arbitrary pairs; it cannot hold for inputs
    /// whose FNV-1a hashes collide, which no 32-bit suffix prevents.
    /// </summary>
    [Fact]
    public void Inputs_with_different_hashes_get_different_names() =>
        Check(Prop.ForAll(Arb.From(Constraints.Zip(Parts).Zip(Parts)), input =>
        {
            var ((constraints, a), b) = input;
            var differentHashes = NameJoiner.Hash(a) != NameJoiner.Hash(b);

            return !differentHashes
                || NameJoiner.JoinWithConstraints(constraints, a) != NameJoiner.JoinWithConstraints(constraints, b);
        }));

    /// <summary>
    /// Near-miss inputs that read the same after the transform: one ASCII character of one part replaced by a different
    /// ASCII character (an underscore for a slash, an uppercase letter for its lowercase, ...). The UTF-8 streams then have
    /// the same length and differ in exactly one byte, and every FNV-1a step (xor with a byte, multiply by an odd prime
    /// mod 2³²) is a bijection on the state, so the hashes — and hence the names — always differ: no collision is possible
    /// here, this is not a probabilistic claim.
    /// </summary>
    [Fact]
    public void Single_character_substitutions_always_change_the_name()
    {
        var substitution =
            from constraints in Constraints
            from parts in Parts.Where(ps => ps.Any(p => p.Length > 0))
            from partIndex in Gen.Elements(Enumerable.Range(0, parts.Length).Where(i => parts[i].Length > 0).ToArray())
            from charIndex in Gen.Choose(0, parts[partIndex].Length - 1)
            from replacement in Gen.Choose(0, 0x7F).Select(c => (char)c)
            select (constraints, parts, partIndex, charIndex, replacement);

        Check(Prop.ForAll(Arb.From(substitution), input =>
        {
            var (constraints, parts, partIndex, charIndex, replacement) = input;
            var original = parts[partIndex][charIndex];
            if (original > 0x7F || original == replacement)
            {
                return true; // only same-length, one-byte differences are covered by this property
            }

            var mutated = (string[])parts.Clone();
            mutated[partIndex] = string.Concat(
                parts[partIndex].AsSpan(0, charIndex), replacement.ToString(), parts[partIndex].AsSpan(charIndex + 1));

            return NameJoiner.JoinWithConstraints(constraints, parts) != NameJoiner.JoinWithConstraints(constraints, mutated);
        }));
    }

    /// <summary>
    /// Structural near-misses — a part boundary moved, a part split, an empty part added, two parts swapped — that often
    /// produce the same readable prefix. Their byte streams differ in more than one position, so FNV-1a could collide in
    /// principle (probability about 2⁻³² per pair); over the pairs generated here a failure would expose a real
    /// collision worth knowing about, not flakiness. Pairs whose hash streams are identical (<see cref="HashStream"/>)
    /// are not different inputs and are skipped.
    /// </summary>
    [Fact]
    public void Structural_near_misses_get_different_names()
    {
        var nearMiss =
            from constraints in Constraints
            from parts in Parts
            from kind in Gen.Choose(0, 3)
            from position in Gen.Choose(0, 1000)
            select (constraints, parts, Mutated: Mutate(parts, kind, position));

        Check(Prop.ForAll(Arb.From(nearMiss), input =>
            SameHashStream(input.parts, input.Mutated)
            || NameJoiner.JoinWithConstraints(input.constraints, input.parts)
                != NameJoiner.JoinWithConstraints(input.constraints, input.Mutated)));
    }

    /// <summary>
    /// The bytes the hash reads: each part's UTF-8 followed by 0x00. Two part lists with the same stream are the same input
    /// as far as the hash is concerned, so no naming scheme built on it can tell them apart. That happens only for inputs
    /// Kubernetes never produces: a part containing U+0000 (moving it across a boundary leaves the stream unchanged) or
    /// lone surrogates (every one encodes as U+FFFD, as in Go, whose strings cannot hold one).
    /// </summary>
    private static byte[] HashStream(string[] parts)
    {
        var stream = new List<byte>();
        foreach (var part in parts)
        {
            stream.AddRange(Encoding.UTF8.GetBytes(part));
            stream.Add(0);
        }

        return [.. stream];
    }

    private static bool SameHashStream(string[] a, string[] b) => HashStream(a).AsSpan().SequenceEqual(HashStream(b));

    [Fact]
    public void Generated_inputs_exercise_truncation_prefixing_and_unicode()
    {
        var samples = Constraints.Zip(Parts).Sample(MaxTest, 50);

        Assert.Contains(samples, s => NameJoiner.JoinWithConstraints(s.Item1, s.Item2).Contains("---", StringComparison.Ordinal)
                                      && NameJoiner.JoinWithConstraints(s.Item1, s.Item2).Length == s.Item1.MaxLength);
        Assert.Contains(samples, s => s.Item1 == NameConstraints.Default
                                      && NameJoiner.JoinWithConstraints(s.Item1, s.Item2).Length == 253);
        Assert.Contains(samples, s => NameJoiner.JoinWithConstraints(s.Item1, s.Item2)[0] == 'x');
        Assert.Contains(samples, s => s.Item2.Any(p => p.Any(c => c > 0x7F)));
        Assert.Contains(samples, s => s.Item2.Any(p => p.Any(char.IsUpper)));
        Assert.Contains(samples, s => s.Item2.Contains(string.Empty));
        Assert.Contains(samples, s => !NameJoiner.JoinWithConstraints(s.Item1, s.Item2).Contains("---", StringComparison.Ordinal));
    }

    private static string[] Mutate(string[] parts, int kind, int position)
    {
        var list = parts.ToList();
        var i = position % list.Count;
        switch (kind)
        {
            case 0 when i + 1 < list.Count && list[i].Length > 0:
                // Move the last character of part i to the front of part i+1.
                list[i + 1] = list[i][^1] + list[i + 1];
                list[i] = list[i][..^1];
                break;
            case 1 when list[i].Length > 1:
                // Split part i in two.
                var cut = 1 + (position % (list[i].Length - 1));
                list.Insert(i + 1, list[i][cut..]);
                list[i] = list[i][..cut];
                break;
            case 2:
                list.Insert(i, string.Empty);
                break;
            case 3 when i + 1 < list.Count:
                (list[i], list[i + 1]) = (list[i + 1], list[i]);
                break;
        }

        return [.. list];
    }

    /// <summary>Straightforward restatement of §4.1 steps 3–5 (no hash), to compare the allocation-free writer against.</summary>
    private static string ReferenceJoin(NameConstraints constraints, string[] parts)
    {
        var transformed = parts.Select(p =>
        {
            var sb = new StringBuilder();
            foreach (var rune in p.EnumerateRunes())
            {
                sb.Append(rune.Value switch
                {
                    >= 'a' and <= 'z' or >= '0' and <= '9' or '-' => (char)rune.Value,
                    >= 'A' and <= 'Z' => char.ToLowerInvariant((char)rune.Value),
                    _ => '-',
                });
            }

            return sb.ToString();
        }).ToArray();

        if (transformed[0].Length == 0 || !constraints.IsValidFirstChar(transformed[0][0]))
        {
            transformed[0] = "x" + transformed[0];
        }

        return string.Join("-", transformed);
    }
}
