using Microsoft.Extensions.Logging;

namespace MultigresOrleans.Runtime.Transport;

/// <summary>Log messages of the HTTP/2 transport (event ids 400–499). Never logs the key or a signature.</summary>
internal static partial class TransportLog
{
    [LoggerMessage(EventId = 400, Level = LogLevel.Information, Message = "Silo {SiloName} accepts grain calls at {Endpoint} (HTTP/2 cleartext, HMAC-authenticated)")]
    public static partial void Listening(ILogger logger, string siloName, Uri endpoint);

    [LoggerMessage(EventId = 401, Level = LogLevel.Information, Message = "Silo {SiloName} stopped accepting grain calls")]
    public static partial void StoppedListening(ILogger logger, string siloName);

    [LoggerMessage(EventId = 402, Level = LogLevel.Warning, Message = "Refused an unauthenticated grain call from {Remote} (method {Method}, grain {Grain}): {Reason}")]
    public static partial void Unauthorized(ILogger logger, string? remote, string? method, string? grain, string reason);

    [LoggerMessage(EventId = 403, Level = LogLevel.Warning, Message = "Rejected a grain call from {Remote} with {Status}: {Reason}")]
    public static partial void Rejected(ILogger logger, string? remote, int status, string reason);

    [LoggerMessage(EventId = 404, Level = LogLevel.Error, Message = "The grain call handler failed unexpectedly")]
    public static partial void HandlerFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 405, Level = LogLevel.Debug, Message = "Grain call to silo {Silo} at {Endpoint} could not connect")]
    public static partial void ConnectFailed(ILogger logger, string silo, Uri endpoint, Exception exception);

    [LoggerMessage(EventId = 406, Level = LogLevel.Warning, Message = "Grain call to silo {Silo} at {Endpoint} ended without an answer; its outcome is unknown")]
    public static partial void OutcomeUnknown(ILogger logger, string silo, Uri endpoint, Exception exception);
}
