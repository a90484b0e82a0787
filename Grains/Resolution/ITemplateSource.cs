using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;

namespace MultigresOrleans.Grains.Resolution;

/// <summary>
/// The templates of one namespace (the cluster's: templates are never looked up elsewhere, spec §1.3).
/// The resolver stays pure by asking this interface instead of the API server: the webhook backs it
/// with a grain or informer snapshot, the tests with a dictionary.
/// </summary>
/// <remarks>
/// A lookup returns null when the template does not exist and throws <see cref="TemplateSourceException"/>
/// when it could not find out (the equivalent of an API error other than NotFound, spec §2.3).
/// </remarks>
public interface ITemplateSource
{
    CoreTemplate? Core(string name);

    CellTemplate? Cell(string name);

    ShardTemplate? Shard(string name);
}

/// <summary>A lookup that failed for a reason other than "not found".</summary>
public sealed class TemplateSourceException : Exception
{
    public TemplateSourceException()
    {
    }

    public TemplateSourceException(string message)
        : base(message)
    {
    }

    public TemplateSourceException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
