namespace MultigresOrleans.Grains.Naming;

/// <summary>Which characters may open a generated name.</summary>
/// <remarks>
/// DNS-1123 subdomains (most object names) may start with a digit; DNS-1035 labels (Service names) and the names the
/// operator also uses as pod hostnames or StatefulSet names must start with a letter (spec §4.1).
/// </remarks>
public enum FirstCharRule
{
    /// <summary><c>[a-z0-9]</c>.</summary>
    LowercaseAlphanumeric,

    /// <summary><c>[a-z]</c>.</summary>
    LowercaseLetter,
}

/// <summary>The limits one kind of Kubernetes name imposes on <see cref="NameJoiner.JoinWithConstraints(NameConstraints, string[])"/>.</summary>
/// <remarks>
/// The lengths are below the Kubernetes maxima where the name is reused as a prefix: a pool pod base of 60 leaves room for
/// <c>-&lt;index&gt;</c>, and a StatefulSet name of 52 leaves room for the controller-revision-hash label value the
/// StatefulSet controller derives from it. A <see cref="MaxLength"/> below 12 cannot hold a character, a separator and
/// the 8-character hash with the <c>---</c> truncation marker, so the joiner rejects it.
/// </remarks>
/// <param name="MaxLength">Longest result the joiner may return.</param>
/// <param name="FirstChar">Rule for the first character; a first part that breaks it is prefixed with <c>x</c>.</param>
public readonly record struct NameConstraints(int MaxLength, FirstCharRule FirstChar)
{
    /// <summary>DNS-1123 subdomain: 253 characters, first character <c>[a-z0-9]</c>.</summary>
    public static NameConstraints Default { get; } = new(253, FirstCharRule.LowercaseAlphanumeric);

    /// <summary>Service (DNS-1035 label): 63 characters, first character <c>[a-z]</c>.</summary>
    public static NameConstraints Service { get; } = new(63, FirstCharRule.LowercaseLetter);

    /// <summary>StatefulSet: 52 characters, first character <c>[a-z]</c>; used only for the managed local TopoServer name.</summary>
    public static NameConstraints StatefulSet { get; } = new(52, FirstCharRule.LowercaseLetter);

    /// <summary>Pool pod base name: 60 characters, first character <c>[a-z]</c>, leaving room for <c>-&lt;index&gt;</c>.</summary>
    public static NameConstraints Pod { get; } = new(60, FirstCharRule.LowercaseLetter);

    /// <summary>Whether <paramref name="c"/> may be the first character of a name under these constraints.</summary>
    public bool IsValidFirstChar(char c) => FirstChar switch
    {
        FirstCharRule.LowercaseLetter => c is >= 'a' and <= 'z',
        FirstCharRule.LowercaseAlphanumeric => c is >= 'a' and <= 'z' or >= '0' and <= '9',
        _ => throw new InvalidOperationException($"Unknown first-character rule {FirstChar}."),
    };
}
