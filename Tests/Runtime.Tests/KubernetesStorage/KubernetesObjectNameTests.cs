using System.Text;
using FsCheck;
using FsCheck.Fluent;
using MultigresOrleans.Runtime.Storage.Kubernetes;

namespace MultigresOrleans.Runtime.Tests.KubernetesStorage;

public sealed class KubernetesObjectNameTests
{
    private static readonly Config Checks = Config.QuickThrowOnFailure.WithMaxTest(500);

    // Pieces a key is built from: the characters real keys have ('/', '-', '.'), upper case (which
    // names fold), non-ASCII letters, a character outside the BMP, and things names cannot contain.
    private static readonly string[] Pieces = ["a", "Z", "0", "/", "-", "_", ".", " ", "~", "ü", "€", "漢", "😀", "\u0000"];

    private static Gen<string> Keys() =>
        Gen.OneOf(
            Gen.Choose(0, 24).SelectMany(n => Gen.ListOf(Gen.Elements(Pieces), n)).Select(parts => string.Concat(parts)),
            Gen.Choose(290, 310).SelectMany(n => Gen.ListOf(Gen.Elements(Pieces), n)).Select(parts => string.Concat(parts)),
            ArbMap.Default.GeneratorFor<NonNull<string>>().Select(s => s.Get).Where(IsValidUtf16));

    private static Gen<(string State, string Type, string Key)> Identities() =>
        from state in Gen.Elements("cart", "state", "a/b", "a", "b/c", "UPPER", "ü")
        from type in Gen.Elements("cart", "shard", "b/c", "a/b", "pod", "x.y")
        from key in Keys()
        select (state, type, key);

    private static bool IsValidUtf16(string text)
    {
        try
        {
            _ = new UTF8Encoding(false, true).GetByteCount(text);
            return true;
        }
        catch (EncoderFallbackException)
        {
            return false;
        }
    }

    private static string Name((string State, string Type, string Key) id) =>
        KubernetesObjectNames.StateObjectName("grain", id.State, new GrainId(id.Type, id.Key));

    [Fact]
    public void Names_are_valid_dns_subdomains_and_stable()
    {
        Prop.ForAll(Identities().ToArbitrary(), id =>
        {
            var name = Name(id);
            return KubernetesObjectNames.IsValidSubdomain(name) && name.Length <= 253 && name == Name(id);
        }).Check(Checks);
    }

    [Fact]
    public void Distinct_identities_give_distinct_names()
    {
        Prop.ForAll(Gen.ListOf(Identities(), 50).ToArbitrary(), ids =>
        {
            var distinct = ids.Distinct().ToList();
            return distinct.Select(Name).Distinct(StringComparer.Ordinal).Count() == distinct.Count;
        }).Check(Checks);
    }

    [Fact]
    public void The_name_format_is_pinned_because_renaming_would_orphan_stored_state()
    {
        Assert.Equal("grain-cart-cart-00f6c65cfd0e382f732614b1f1326b68", KubernetesObjectNames.StateObjectName("grain", "cart", new GrainId("cart", "shard/ns/name ü")));
        Assert.Equal("grain-reminders-0007", KubernetesObjectNames.ReminderObjectName("grain-reminders", 7));
    }

    [Fact]
    public void Separators_inside_parts_cannot_make_two_identities_collide()
    {
        var a = KubernetesObjectNames.StateObjectName("p", "a/b", new GrainId("c", "d"));
        var b = KubernetesObjectNames.StateObjectName("p", "a", new GrainId("b/c", "d"));
        var c = KubernetesObjectNames.StateObjectName("p", "a", new GrainId("b", "c/d"));
        Assert.Equal(3, new[] { a, b, c }.Distinct(StringComparer.Ordinal).Count());
        // Case folds in the readable part but not in the hash.
        Assert.NotEqual(KubernetesObjectNames.StateObjectName("p", "s", new GrainId("t", "Key")), KubernetesObjectNames.StateObjectName("p", "s", new GrainId("t", "key")));
    }

    [Fact]
    public void Long_and_unreadable_parts_are_cut_or_dropped()
    {
        var name = KubernetesObjectNames.StateObjectName("grain", new string('s', 300), new GrainId(new string('T', 300), new string('k', 300)));
        Assert.True(KubernetesObjectNames.IsValidSubdomain(name), name);
        Assert.Equal($"grain-{new string('t', 40)}-{new string('s', 40)}-", name[..^32]);
        Assert.Matches("^grain-[0-9a-f]{32}$", KubernetesObjectNames.StateObjectName("grain", "€€", new GrainId("//", "x")));
    }

    [Fact]
    public void A_key_that_is_not_valid_utf16_is_refused_rather_than_sharing_a_name()
    {
        var error = Assert.Throws<ArgumentException>(() => KubernetesObjectNames.StateObjectName("grain", "s", new GrainId("t", "bad\uD800")));
        Assert.Contains("lone surrogate", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Labels_carry_type_and_state_only_when_they_are_valid_label_values()
    {
        var valid = KubernetesObjectNames.StateLabels("cart", new GrainId("shard", "ns/x"));
        Assert.Equal("shard", valid[KubernetesObjectNames.GrainTypeKey]);
        Assert.Equal("cart", valid[KubernetesObjectNames.StateNameKey]);
        Assert.Equal(KubernetesObjectNames.ManagedByValue, valid[KubernetesObjectNames.ManagedByLabel]);
        Assert.Equal(KubernetesObjectNames.GrainStateKind, valid[KubernetesObjectNames.KindLabel]);

        var invalid = KubernetesObjectNames.StateLabels("a/b", new GrainId(new string('t', 64), "k"));
        Assert.False(invalid.ContainsKey(KubernetesObjectNames.GrainTypeKey));
        Assert.False(invalid.ContainsKey(KubernetesObjectNames.StateNameKey));
        Assert.All(invalid.Values, v => Assert.True(KubernetesObjectNames.IsValidLabelValue(v)));

        var annotations = KubernetesObjectNames.StateAnnotations("a/b", new GrainId("t", "full/key ü"));
        Assert.Equal("full/key ü", annotations[KubernetesObjectNames.GrainKeyAnnotation]);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Grain")]
    [InlineData("-grain")]
    [InlineData("grain.state")]
    public void Invalid_prefixes_are_refused(string prefix) =>
        Assert.Throws<ArgumentException>(() => new KubernetesGrainStorage(new KubernetesStorageOptions
        {
            Configuration = new Kubernetes.Client.KubernetesClientConfiguration { Server = new Uri("https://127.0.0.1:1") },
            NamePrefix = prefix,
        }));
}
