namespace MultigresOrleans.Grains.Resolution;

/// <summary>
/// Resolution could not complete: a referenced template is missing or a lookup failed. The message is
/// the reference operator's (spec §2.2, §2.3), so callers can surface it unchanged.
/// </summary>
public sealed class TemplateResolutionException : Exception
{
    public TemplateResolutionException()
    {
    }

    public TemplateResolutionException(string message)
        : base(message)
    {
    }

    public TemplateResolutionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
