using Microsoft.Extensions.Logging;

namespace MultigresOrleans.Kubernetes.Client;

internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Debug, "{Verb} {Path}: {Reason}; retry {Attempt} in {Delay}")]
    public static partial void Retrying(ILogger logger, string verb, string path, string reason, int attempt, TimeSpan delay);

    [LoggerMessage(2, LogLevel.Debug, "watch {Path} ended ({Reason}); resuming from resourceVersion {ResourceVersion}")]
    public static partial void WatchResuming(ILogger logger, string path, string reason, string? resourceVersion);

    [LoggerMessage(3, LogLevel.Warning, "watch {Path} silent for {IdleTimeout}; reconnecting")]
    public static partial void WatchIdle(ILogger logger, string path, TimeSpan idleTimeout);
}
