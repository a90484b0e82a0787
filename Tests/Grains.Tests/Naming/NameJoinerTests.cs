using MultigresOrleans.Grains.Naming;

namespace MultigresOrleans.Grains.Tests.Naming;

/// <summary>
/// <see cref="NameJoiner"/> against the upstream vectors and the behaviours of upstream <c>pkg/util/name/name_test.go</c>
/// (spec §4.1, §13.1). Vectors not published upstream were computed with an independent Python re-implementation of §4.1
/// that reproduces the upstream ones.
/// </summary>
public sealed class NameJoinerTests
{
    private static readonly NameConstraints Lowercase50 = new(50, FirstCharRule.LowercaseLetter);

    [Theory]
    [InlineData("hello-world-344ce285", new[] { "hello", "world" })]
    [InlineData("production-mydb-default-5c6a71f9", new[] { "production", "mydb", "default" })]
    public void JoinWithConstraints_reproduces_the_upstream_default_vectors(string expected, string[] parts) =>
        Assert.Equal(expected, NameJoiner.JoinWithConstraints(NameConstraints.Default, parts));

    [Fact]
    public void JoinWithConstraints_reproduces_the_upstream_pod_vector()
    {
        var podBase = NameJoiner.JoinWithConstraints(
            NameConstraints.Pod, "minimal", "postgres", "default", "0-inf", "pool", "default", "zone-a");

        Assert.Equal("minimal-postgres-default-0-inf-pool-default-zone-a-a3a0d77b-1", podBase + "-1");
    }

    [Theory]
    [InlineData("344ce285", new[] { "hello", "world" })]
    [InlineData("811c9dc5", new string[0])] // the FNV-1a offset basis: nothing was hashed
    [InlineData("050c5d1f", new[] { "" })] // one 0x00 separator byte
    [InlineData("2b24d044", new[] { "a" })]
    [InlineData("2ef3db0c", new[] { "a", "" })]
    [InlineData("659c64ae", new[] { "", "a" })]
    [InlineData("f39567d3", new[] { "é" })] // UTF-8 C3 A9, not UTF-16
    [InlineData("50f22e98", new[] { "😀" })] // a surrogate pair hashes as its 4 UTF-8 bytes
    public void Hash_is_fnv1a_32_over_utf8_parts_each_followed_by_a_zero_byte(string expected, string[] parts) =>
        Assert.Equal(expected, NameJoiner.Hash(parts));

    [Fact]
    public void Hash_is_the_suffix_of_the_joined_name()
    {
        var name = NameJoiner.JoinWithConstraints(NameConstraints.Service, "Some_Cluster", "zone-a");

        Assert.EndsWith("-" + NameJoiner.Hash("Some_Cluster", "zone-a"), name, StringComparison.Ordinal);
    }

    [Fact]
    public void Array_and_span_overloads_agree()
    {
        string[] parts = ["minimal", "zone-a"];

        Assert.Equal(
            NameJoiner.JoinWithConstraints(NameConstraints.Default, parts),
            NameJoiner.JoinWithConstraints(NameConstraints.Default, "minimal", "zone-a"));
        Assert.Equal(NameJoiner.Hash(parts), NameJoiner.Hash("minimal", "zone-a"));
    }

    [Fact]
    public void JoinWithConstraints_starts_with_the_parts_joined_by_dashes()
    {
        var name = NameJoiner.JoinWithConstraints(NameConstraints.Default, "one", "two", "three");

        Assert.StartsWith("one-two-three-", name, StringComparison.Ordinal);
        Assert.Equal("one-two-three-".Length + NameJoiner.HashLength, name.Length);
    }

    public static TheoryData<string, string[], string[], bool> EqualityCases => new()
    {
        { "same parts, same order", ["one", "two", "three"], ["one", "two", "three"], true },
        { "same parts, different order", ["one", "two", "three"], ["one", "three", "two"], false },
        { "different parts", ["one", "two", "three"], ["one", "two", "four"], false },
        { "substring moved to adjacent part", ["one-two", "three-four"], ["one", "two-three-four"], false },
        { "one part split into two parts", ["one-two", "three-four"], ["one-two", "three", "four"], false },
        { "differences erased by the transform", ["disallowed_symbol"], ["disallowed/symbol"], false },
        { "differences erased by lowercasing", ["Zone-A"], ["zone-a"], false },
        { "trailing empty part", ["one"], ["one", ""], false },
    };

    [Theory]
    [MemberData(nameof(EqualityCases))]
    public void JoinWithConstraints_is_deterministic_and_tells_part_lists_apart(
        string scenario, string[] a, string[] b, bool shouldEqual)
    {
        var nameA = NameJoiner.JoinWithConstraints(NameConstraints.Default, a);
        var nameB = NameJoiner.JoinWithConstraints(NameConstraints.Default, b);

        Assert.True(shouldEqual == (nameA == nameB), $"{scenario}: '{nameA}' vs '{nameB}'");
    }

    [Fact]
    public void JoinWithConstraints_prevents_the_cluster_database_boundary_collision()
    {
        // MultigresCluster production-db / database app vs MultigresCluster production / database db-app: same visible prefix.
        var first = NameJoiner.JoinWithConstraints(NameConstraints.Default, "production-db", "app", "sales");
        var second = NameJoiner.JoinWithConstraints(NameConstraints.Default, "production", "db-app", "sales");

        Assert.StartsWith("production-db-app-sales-", first, StringComparison.Ordinal);
        Assert.StartsWith("production-db-app-sales-", second, StringComparison.Ordinal);
        Assert.NotEqual(first, second);
    }

    [Theory]
    [InlineData("uppercase-letters-are-lowercased-", "UpperCase-Letters", "Are-Lowercased")]
    [InlineData("allowed-symbols-dont---change-", "allowed-symbols", "dont---change")]
    [InlineData("disallowed-symbols-are-replaced-", "disallowed_symbols", "are.replaced")]
    [InlineData("really-really-ridiculously-long-inputs----", "really-really-ridiculously-long-inputs-are-truncated")]
    [InlineData("x-disallowed-first-chars--are-prefixed-", "-disallowed first chars", "-are prefixed")]
    [InlineData("transformed-first-char-is-ok-", "Transformed first char", "is ok")]
    [InlineData("x0-starts-with-digit-", "0 starts", "with digit")]
    [InlineData("x-empty-first-", "", "empty first")]
    [InlineData("gr--e-", "Grüße")] // one '-' per Unicode scalar
    [InlineData("a-b-", "a😀b")] // a surrogate pair is one scalar, so one '-'
    public void JoinWithConstraints_transforms_like_upstream(string expectedPrefix, params string[] parts)
    {
        var name = NameJoiner.JoinWithConstraints(Lowercase50, parts);

        Assert.StartsWith(expectedPrefix, name, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0-inf", "0-inf-")] // Default accepts a leading digit ...
    [InlineData("-lead", "x-lead-")] // ... but not a leading dash
    [InlineData("_lead", "x-lead-")] // a transformed character is judged after the transform
    [InlineData("Upper", "upper-")]
    public void Default_constraints_allow_a_leading_digit(string first, string expectedPrefix) =>
        Assert.StartsWith(
            expectedPrefix, NameJoiner.JoinWithConstraints(NameConstraints.Default, first), StringComparison.Ordinal);

    [Fact]
    public void Letter_constraints_prefix_a_leading_digit_and_only_the_first_part()
    {
        foreach (var constraints in new[] { NameConstraints.Service, NameConstraints.StatefulSet, NameConstraints.Pod })
        {
            var name = NameJoiner.JoinWithConstraints(constraints, "0-inf", "1-two");

            Assert.StartsWith("x0-inf-1-two-", name, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("x-050c5d1f", new[] { "" })]
    [InlineData("x-b-3f99ea45", new[] { "", "b" })]
    [InlineData("a-b-c232bd0b", new[] { "a😀b" })]
    [InlineData("gr--e-16338228", new[] { "Grüße" })]
    public void JoinWithConstraints_matches_reference_vectors_for_edge_inputs(string expected, string[] parts) =>
        Assert.Equal(expected, NameJoiner.JoinWithConstraints(NameConstraints.Default, parts));

    [Fact]
    public void JoinWithConstraints_truncates_to_exactly_max_length_with_a_triple_dash()
    {
        var constraints = new NameConstraints(25, FirstCharRule.LowercaseAlphanumeric);

        var name = NameJoiner.JoinWithConstraints(constraints, new string('a', 20), new string('b', 20));

        Assert.Equal(25, name.Length);
        Assert.Equal("aaaaaaaaaaaaaa---" + NameJoiner.Hash(new string('a', 20), new string('b', 20)), name);
    }

    [Fact]
    public void Truncated_names_stay_distinct_when_only_the_cut_tail_differs()
    {
        var constraints = new NameConstraints(25, FirstCharRule.LowercaseAlphanumeric);

        var first = NameJoiner.JoinWithConstraints(constraints, new string('a', 20), new string('b', 100) + "1");
        var second = NameJoiner.JoinWithConstraints(constraints, new string('a', 20), new string('b', 100) + "2");

        Assert.Equal(first[..^NameJoiner.HashLength], second[..^NameJoiner.HashLength]);
        Assert.NotEqual(first, second);
    }

    [Theory]
    [InlineData("abc", "abc-6a33dc51")] // 3 + 1 + 8 == 12: fits exactly, no truncation
    [InlineData("abcd", "a---599ba487")] // one character too long: cut to MaxLength - 11 characters
    public void JoinWithConstraints_truncates_only_past_max_length(string part, string expected)
    {
        var name = NameJoiner.JoinWithConstraints(new NameConstraints(12, FirstCharRule.LowercaseLetter), part);

        Assert.Equal(expected, name);
    }

    [Fact]
    public void The_truncation_boundary_is_max_length_inclusive()
    {
        var fits = new string('a', 63 - 1 - NameJoiner.HashLength);
        var tooLong = fits + "a";

        var kept = NameJoiner.JoinWithConstraints(NameConstraints.Service, fits);
        var cut = NameJoiner.JoinWithConstraints(NameConstraints.Service, tooLong);

        Assert.Equal(fits + "-" + NameJoiner.Hash(fits), kept);
        Assert.Equal(new string('a', 63 - 3 - NameJoiner.HashLength) + "---" + NameJoiner.Hash(tooLong), cut);
    }

    [Theory]
    [InlineData(11)]
    [InlineData(0)]
    [InlineData(-1)]
    public void JoinWithConstraints_rejects_max_length_below_12(int maxLength)
    {
        var constraints = new NameConstraints(maxLength, FirstCharRule.LowercaseLetter);

        var error = Assert.Throws<ArgumentException>(() => NameJoiner.JoinWithConstraints(constraints, "test"));

        Assert.Equal($"MaxLength of {maxLength} is invalid; must be at least 12", error.Message);
        // The constraint check comes first, as upstream: no parts does not hide a bad constraint.
        Assert.Throws<ArgumentException>(() => NameJoiner.JoinWithConstraints(constraints));
    }

    [Fact]
    public void JoinWithConstraints_returns_empty_for_no_parts()
    {
        foreach (var constraints in new[]
                 {
                     NameConstraints.Default, NameConstraints.Service, NameConstraints.StatefulSet, NameConstraints.Pod,
                 })
        {
            Assert.Equal(string.Empty, NameJoiner.JoinWithConstraints(constraints));
            Assert.Equal(string.Empty, NameJoiner.JoinWithConstraints(constraints, Array.Empty<string>()));
        }
    }

    [Fact]
    public void JoinWithConstraints_rejects_null_parts()
    {
        Assert.Throws<ArgumentNullException>(() => NameJoiner.JoinWithConstraints(NameConstraints.Default, (string[])null!));
        Assert.Throws<ArgumentException>(() => NameJoiner.JoinWithConstraints(NameConstraints.Default, "a", null!));
    }

    [Fact]
    public void Parts_containing_nul_are_ambiguous_as_upstream()
    {
        // The 0x00 part terminator makes boundaries unambiguous only for NUL-free parts. Kubernetes names never contain
        // NUL, and staying byte-identical with upstream names matters more than this unreachable case.
        Assert.Equal(
            NameJoiner.Hash("a\0", "b"),
            NameJoiner.Hash("a", "\0b"));
    }

    [Fact]
    public void JoinWithConstraints_allocates_only_the_result()
    {
        const string cluster = "minimal";
        _ = NameJoiner.JoinWithConstraints(NameConstraints.Service, cluster, "postgres", "default", "0-inf", "pool", "default", "zone-a", "headless");

        var before = GC.GetAllocatedBytesForCurrentThread();
        var name = NameJoiner.JoinWithConstraints(NameConstraints.Service, cluster, "postgres", "default", "0-inf", "pool", "default", "zone-a", "headless");
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // One string of 63 chars: object header, method table, length, 2 bytes per char and the terminator, 8-aligned.
        Assert.Equal(63, name.Length);
        Assert.InRange(allocated, 1, 160);
    }

    [Fact]
    public void Constraint_sets_match_the_spec()
    {
        Assert.Equal(new NameConstraints(253, FirstCharRule.LowercaseAlphanumeric), NameConstraints.Default);
        Assert.Equal(new NameConstraints(63, FirstCharRule.LowercaseLetter), NameConstraints.Service);
        Assert.Equal(new NameConstraints(52, FirstCharRule.LowercaseLetter), NameConstraints.StatefulSet);
        Assert.Equal(new NameConstraints(60, FirstCharRule.LowercaseLetter), NameConstraints.Pod);
    }

    [Fact]
    public void PoolerServiceId_is_p_dash_hash_of_the_pod_name()
    {
        const string pod = "minimal-postgres-default-0-inf-pool-default-zone-a-a3a0d77b-0";

        var id = NameJoiner.PoolerServiceId(pod);

        Assert.Equal("p-45f814aa", id);
        Assert.Equal("p-" + NameJoiner.Hash(pod), id);
        Assert.Matches("^p-[0-9a-f]{8}$", NameJoiner.PoolerServiceId("Any Thing_At/All"));
    }
}
