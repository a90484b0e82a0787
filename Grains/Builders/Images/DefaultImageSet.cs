using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;

namespace MultigresOrleans.Grains.Builders.Images;

/// <summary>
/// The operator's default image set D of spec §6.1.3: the compiled defaults with any <c>MULTIGRES_IMAGE_*</c>
/// override applied. Read once at process start, so every reconcile of every cluster sees the same D and a
/// change of D (operator upgrade or env edit) is a deliberate, revisioned event.
/// </summary>
/// <param name="Images">The complete six-image set.</param>
/// <param name="Overrides">Environment variable → image, for the startup log; empty when nothing was overridden.</param>
public sealed record DefaultImageSet(ComponentImages Images, IReadOnlyDictionary<string, string> Overrides)
{
    public const string EnvPostgres = "MULTIGRES_IMAGE_POSTGRES";
    public const string EnvMultiadmin = "MULTIGRES_IMAGE_MULTIADMIN";
    public const string EnvMultiadminWeb = "MULTIGRES_IMAGE_MULTIADMIN_WEB";
    public const string EnvMultiorch = "MULTIGRES_IMAGE_MULTIORCH";
    public const string EnvMultipooler = "MULTIGRES_IMAGE_MULTIPOOLER";
    public const string EnvMultigateway = "MULTIGRES_IMAGE_MULTIGATEWAY";

    /// <summary>The set compiled into this build (revision <see cref="DefaultImages.CompiledRevision"/>).</summary>
    public static DefaultImageSet Compiled { get; } = new(
        new ComponentImages
        {
            Multigateway = DefaultImages.Multigateway,
            Multiorch = DefaultImages.Multiorch,
            Multipooler = DefaultImages.Multipooler,
            Multiadmin = DefaultImages.Multiadmin,
            MultiadminWeb = DefaultImages.MultiadminWeb,
            Postgres = DefaultImages.Postgres,
        },
        new Dictionary<string, string>(StringComparer.Ordinal));

    /// <summary><see cref="ImageResolver.Revision"/> of <see cref="Images"/>.</summary>
    public string Revision => ImageResolver.Revision(Images);

    /// <summary>
    /// The compiled set with each <c>MULTIGRES_IMAGE_*</c> variable applied; values are whitespace-trimmed and an
    /// empty value keeps the compiled default (spec §12.1), so an env entry templated to "" cannot blank an image.
    /// </summary>
    public static DefaultImageSet FromEnvironment(Func<string, string?> getEnv)
    {
        ArgumentNullException.ThrowIfNull(getEnv);
        var overrides = new Dictionary<string, string>(StringComparer.Ordinal);
        string Pick(string variable, string compiled)
        {
            var value = getEnv(variable)?.Trim();
            if (string.IsNullOrEmpty(value))
                return compiled;
            overrides[variable] = value;
            return value;
        }

        var images = new ComponentImages
        {
            Multigateway = Pick(EnvMultigateway, DefaultImages.Multigateway),
            Multiorch = Pick(EnvMultiorch, DefaultImages.Multiorch),
            Multipooler = Pick(EnvMultipooler, DefaultImages.Multipooler),
            Multiadmin = Pick(EnvMultiadmin, DefaultImages.Multiadmin),
            MultiadminWeb = Pick(EnvMultiadminWeb, DefaultImages.MultiadminWeb),
            Postgres = Pick(EnvPostgres, DefaultImages.Postgres),
        };
        return new DefaultImageSet(images, overrides);
    }
}
