using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;

namespace MultigresOrleans.Grains.Validation;

/// <summary>
/// Failover-buffer settings the multigateway would refuse at start-up (spec §3.1 0f): zero windows,
/// and a per-request window longer than the whole failover budget. Unset durations take the
/// binary's defaults, so a lone <c>window: 30s</c> is checked against the default 20 s budget.
/// </summary>
public static class GatewayBufferRules
{
    public const long DefaultWindow = 10_000_000_000L;
    public const long DefaultMaxFailoverDuration = 20_000_000_000L;

    /// <summary>
    /// The first problem of a buffer, as <c>&lt;subject&gt;: multigateway buffer …</c>; null when fine or disabled.
    /// <paramref name="partial"/> is the CellTemplate mode: a template may set only some fields, so the
    /// ordering rule runs only when the template sets both durations.
    /// </summary>
    public static string? Check(string subject, GatewayBufferConfig? buffer, bool partial = false)
    {
        if (buffer is null || buffer.Enabled == false)
            return null;

        var window = Parse(buffer.Window);
        var maxFailover = Parse(buffer.MaxFailoverDuration);
        var minBetween = Parse(buffer.MinTimeBetweenFailovers);

        if (window is <= 0)
            return $"{subject}: multigateway buffer window ({GoDuration.Format(window.Value)}) must be a positive duration";
        if (maxFailover is <= 0)
            return $"{subject}: multigateway buffer maxFailoverDuration ({GoDuration.Format(maxFailover.Value)}) must be a positive duration";
        if (minBetween is < 0)
            return $"{subject}: multigateway buffer minTimeBetweenFailovers ({GoDuration.Format(minBetween.Value)}) must not be negative";

        if (partial && (window is null || maxFailover is null))
            return null;
        var (w, m) = (window ?? DefaultWindow, maxFailover ?? DefaultMaxFailoverDuration);
        if (w <= m)
            return null;
        var message = $"{subject}: multigateway buffer window ({GoDuration.Format(w)}) must be <= maxFailoverDuration ({GoDuration.Format(m)})";
        return window is null || maxFailover is null
            ? message + "; unset fields use the multigateway defaults (window 10s, maxFailoverDuration 20s)"
            : message;
    }

    // The CRD pattern already guarantees a parseable duration; an unparseable one is the schema's to report.
    private static long? Parse(string? text) => text is not null && GoDuration.TryParse(text, out var ns) ? ns : null;
}
