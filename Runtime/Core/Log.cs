using Microsoft.Extensions.Logging;

namespace MultigresOrleans.Runtime;

/// <summary>Source-generated log messages of the runtime (no allocation when a level is off).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Activated {GrainId}")]
    public static partial void Activated(ILogger logger, GrainId grainId);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Activation of {GrainId} failed")]
    public static partial void ActivationFailed(ILogger logger, GrainId grainId, Exception exception);

    [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "Deactivated {GrainId} ({Reason})")]
    public static partial void Deactivated(ILogger logger, GrainId grainId, DeactivationReasonCode reason);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "OnDeactivateAsync of {GrainId} failed")]
    public static partial void DeactivationFailed(ILogger logger, GrainId grainId, Exception exception);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "Timer tick of {GrainId} failed")]
    public static partial void TimerTickFailed(ILogger logger, GrainId grainId, Exception exception);

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "Reminder {ReminderName} of {GrainId} failed")]
    public static partial void ReminderTickFailed(ILogger logger, GrainId grainId, string reminderName, Exception exception);

    [LoggerMessage(EventId = 7, Level = LogLevel.Warning, Message = "Idle collection pass failed")]
    public static partial void CollectionFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 8, Level = LogLevel.Information, Message = "Silo {SiloName} started: {Partitions} partitions owned, {Reminders} reminders loaded")]
    public static partial void SiloStarted(ILogger logger, string siloName, int partitions, int reminders);

    [LoggerMessage(EventId = 10, Level = LogLevel.Warning, Message = "Reacting to partition map v{Version} failed")]
    public static partial void MapChangeFailed(ILogger logger, long version, Exception exception);

    [LoggerMessage(EventId = 9, Level = LogLevel.Information, Message = "Silo {SiloName} stopped after deactivating {Activations} activations")]
    public static partial void SiloStopped(ILogger logger, string siloName, int activations);
}
