using Microsoft.Extensions.Logging;

namespace MultigresOrleans.Runtime.Membership.Kubernetes;

public sealed partial class KubernetesMembership
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "Silo {Silo} joined through Lease {Namespace}/{Lease}")]
        public static partial void Joined(ILogger logger, string silo, string @namespace, string lease);

        [LoggerMessage(EventId = 201, Level = LogLevel.Warning, Message = "Silo {Silo} was given no partitions within {Timeout}; it starts anyway and serves once a map names it")]
        public static partial void JoinedWithoutPartitions(ILogger logger, string silo, TimeSpan timeout);

        [LoggerMessage(EventId = 202, Level = LogLevel.Information, Message = "Lease {Lease} is held by the earlier incarnation {Holder}; waiting for it to expire")]
        public static partial void WaitingForPreviousIncarnation(ILogger logger, string lease, string holder);

        [LoggerMessage(EventId = 203, Level = LogLevel.Warning, Message = "Silo {Silo}: renewing a Lease failed; retrying")]
        public static partial void RenewFailed(ILogger logger, string silo, Exception exception);

        [LoggerMessage(EventId = 204, Level = LogLevel.Error, Message = "Silo {Silo} fenced itself and serves no grain any more: {Reason}")]
        public static partial void FencedItself(ILogger logger, string silo, string reason);

        [LoggerMessage(EventId = 205, Level = LogLevel.Debug, Message = "Silo {Silo} accepted partition map v{Version}: {Owned} partitions here, {Handoffs} handoffs pending")]
        public static partial void MapAccepted(ILogger logger, string silo, long version, int owned, int handoffs);

        [LoggerMessage(EventId = 206, Level = LogLevel.Warning, Message = "The partition map {Namespace}/{Name} is malformed; keeping the current map")]
        public static partial void MalformedMap(ILogger logger, string name, string @namespace);

        [LoggerMessage(EventId = 207, Level = LogLevel.Information, Message = "Leader {Silo} wrote partition map v{Version} ({Handoffs} handoffs pending)")]
        public static partial void MapWritten(ILogger logger, string silo, long version, int handoffs);

        [LoggerMessage(EventId = 208, Level = LogLevel.Information, Message = "Silo {Silo} became leader through Lease {Lease}")]
        public static partial void BecameLeader(ILogger logger, string silo, string lease);

        [LoggerMessage(EventId = 209, Level = LogLevel.Warning, Message = "Silo {Silo} is no longer leader: {Reason}")]
        public static partial void LostLeadership(ILogger logger, string silo, string reason);

        [LoggerMessage(EventId = 210, Level = LogLevel.Information, Message = "Silo {Silo} drained {Count} partitions handed off in map v{Version}")]
        public static partial void Drained(ILogger logger, string silo, int count, long version);

        [LoggerMessage(EventId = 211, Level = LogLevel.Warning, Message = "Silo {Silo}: draining handed-off partitions failed; will retry")]
        public static partial void DrainFailed(ILogger logger, string silo, Exception exception);

        [LoggerMessage(EventId = 212, Level = LogLevel.Warning, Message = "Silo {Silo}: coordination step failed; retrying")]
        public static partial void CoordinationFailed(ILogger logger, string silo, Exception exception);

        [LoggerMessage(EventId = 213, Level = LogLevel.Information, Message = "Removed the Lease {Lease} of the dead silo {Holder}")]
        public static partial void RemovedDeadLease(ILogger logger, string lease, string holder);

        [LoggerMessage(EventId = 214, Level = LogLevel.Warning, Message = "Silo {Silo}: graceful leave timed out after {Timeout} with {Owned} partitions still here; stopping anyway")]
        public static partial void LeaveTimedOut(ILogger logger, string silo, TimeSpan timeout, int owned);

        [LoggerMessage(EventId = 215, Level = LogLevel.Information, Message = "Silo {Silo} left the cluster in {Milliseconds} ms")]
        public static partial void Left(ILogger logger, string silo, double milliseconds);

        [LoggerMessage(EventId = 216, Level = LogLevel.Warning, Message = "Silo {Silo}: releasing its Leases failed; they will expire instead")]
        public static partial void ReleaseFailed(ILogger logger, string silo, Exception exception);
    }
}
