using System.Globalization;
using Microsoft.Extensions.Logging;
using MultigresOrleans.Kubernetes.Client;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Grains.Operator;

/// <summary>
/// Records core/v1 Events on the object a grain reconciles (spec §10.7). Events are best effort: a
/// failure to record one is logged and never fails a reconcile. Grains record an event when something
/// happened (an apply that wrote, a phase change), not on every pass, so an idle operator writes nothing.
/// </summary>
public sealed partial class EventRecorder(OperatorResources resources, TimeProvider time, string instance, ILogger<EventRecorder> logger)
{
    public const string Normal = "Normal";
    public const string Warning = "Warning";
    public const string Component = "multigres-operator";

    private long _sequence;

    public async Task RecordAsync(IKubernetesObject regarding, string type, string reason, string message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(regarding);
        var now = time.GetUtcNow();
        var name = $"{regarding.Metadata.Name}.{now.ToUnixTimeMilliseconds():x}{Interlocked.Increment(ref _sequence).ToString("x", CultureInfo.InvariantCulture)}";
        var recorded = new CoreEvent
        {
            Metadata = new ObjectMeta { Name = name, Namespace = regarding.Metadata.Namespace },
            InvolvedObject = new ObjectReference
            {
                ApiVersion = regarding.ApiVersion,
                Kind = regarding.Kind,
                Name = regarding.Metadata.Name,
                Namespace = regarding.Metadata.Namespace,
                Uid = regarding.Metadata.Uid,
            },
            Type = type,
            Reason = reason,
            Message = message,
            Count = 1,
            FirstTimestamp = now,
            LastTimestamp = now,
            Source = new System.Text.Json.Nodes.JsonObject { ["component"] = Component },
            ReportingComponent = Component,
            ReportingInstance = instance,
        };
        try
        {
            await resources.Events.CreateAsync(recorded, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Events are best effort; the reason is logged.
        catch (Exception exception) when (exception is KubernetesApiException or HttpRequestException or TaskCanceledException)
#pragma warning restore CA1031
        {
            Log.EventFailed(logger, exception, reason, regarding.Kind, regarding.Metadata.Name ?? "");
        }

        Log.Event(logger, type, reason, regarding.Kind, regarding.Metadata.Namespace ?? "", regarding.Metadata.Name ?? "", message);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "event {Type} {Reason} on {Kind} {Namespace}/{Name}: {Message}")]
        public static partial void Event(ILogger logger, string type, string reason, string kind, string @namespace, string name, string message);

        [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "could not record event {Reason} on {Kind} {Name}")]
        public static partial void EventFailed(ILogger logger, Exception exception, string reason, string kind, string name);
    }
}
