using Microsoft.Extensions.Logging;

namespace MultigresOrleans.Webhooks;

/// <summary>Source-generated log messages. Objects and certificates are never logged, only names and outcomes.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Debug, "{Operation} {Kind} {Namespace}/{Name} uid {Uid}: allowed={Allowed} in {ElapsedMs:F1} ms")]
    public static partial void Decided(ILogger logger, string operation, string kind, string? @namespace, string? name, string uid, bool allowed, double elapsedMs);

    [LoggerMessage(2, LogLevel.Information, "Refused a malformed admission request on {Path}: {Reason}")]
    public static partial void BadRequest(ILogger logger, string path, string reason);

    [LoggerMessage(3, LogLevel.Warning, "Admission of {Kind} uid {Uid} timed out after {Timeout}")]
    public static partial void TimedOut(ILogger logger, string kind, string uid, TimeSpan timeout);

    [LoggerMessage(4, LogLevel.Error, "Admission of {Kind} uid {Uid} failed unexpectedly")]
    public static partial void Failed(ILogger logger, Exception exception, string kind, string uid);

    [LoggerMessage(5, LogLevel.Information, "Loaded serving certificate {Subject} (thumbprint {Thumbprint}, expires {NotAfter:o})")]
    public static partial void CertificateLoaded(ILogger logger, string subject, string thumbprint, DateTime notAfter);

    [LoggerMessage(6, LogLevel.Warning, "Could not load the serving certificate from {Directory}; keeping the previous one: {Reason}")]
    public static partial void CertificateLoadFailed(ILogger logger, string directory, string reason);

    [LoggerMessage(7, LogLevel.Information, "Secret {Namespace}/{Secret} holds a new serving pair; wrote it to {Directory}")]
    public static partial void ServingSecretWritten(ILogger logger, string @namespace, string secret, string directory);

    [LoggerMessage(8, LogLevel.Warning, "Could not sync Secret {Namespace}/{Secret} into the certificate directory; retrying next period: {Reason}")]
    public static partial void ServingSecretSyncFailed(ILogger logger, string @namespace, string secret, string reason);

    [LoggerMessage(9, LogLevel.Information, "Serving certificate mode {Mode}: {Reason}")]
    public static partial void CertificateMode(ILogger logger, string mode, string reason);

    [LoggerMessage(10, LogLevel.Warning, "Asking template grain {Key} for its consumers failed: {Reason}")]
    public static partial void ConsumersFailed(ILogger logger, string key, string reason);

    [LoggerMessage(11, LogLevel.Information, "Template deletion guard asks grain cluster {Cluster} in namespace {Namespace} (call timeout {Timeout})")]
    public static partial void GrainClientConfigured(ILogger logger, string cluster, string @namespace, TimeSpan timeout);
}
