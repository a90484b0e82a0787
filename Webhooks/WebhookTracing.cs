using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Resolution;

namespace MultigresOrleans.Webhooks;

/// <summary>
/// Spec §10.5 for the admission process: spans on the operator's ActivitySource (tracer name
/// <c>multigres-operator</c>) and the webhook→reconcile bridge, the annotations through which the
/// reconcile of a cluster continues the trace of the request that changed it.
/// </summary>
public static class WebhookTracing
{
    public const string SourceName = "multigres-operator";
    public const string DefaultSpan = "Webhook.Default";
    public const string ValidateSpan = "Webhook.Validate";
    public const string ValidateTemplatesExistSpan = "Webhook.ValidateTemplatesExist";
    public const string ValidateLogicSpan = "Webhook.ValidateLogic";

    public static ActivitySource Source { get; } = new(SourceName);

    /// <summary>
    /// Makes the spans exist while tracing is on: without a listener <see cref="ActivitySource.StartActivity(string, ActivityKind)"/>
    /// returns null and there would be no span context to hand to the reconcile. Parent-based sampling:
    /// a caller's sampled flag (the API server's <c>traceparent</c>) is kept, a root span is recorded.
    /// </summary>
    public static ActivityListener Listen()
    {
        var listener = new ActivityListener
        {
            // ASP.NET Core's request activity too: it is what reads the API server's traceparent
            // header, so that Webhook.Default continues the request's trace.
            ShouldListenTo = source => source.Name is SourceName or "Microsoft.AspNetCore",
            Sample = static (ref ActivityCreationOptions<ActivityContext> options) =>
                options.Parent == default || (options.Parent.TraceFlags & ActivityTraceFlags.Recorded) != 0
                    ? ActivitySamplingResult.AllDataAndRecorded
                    : ActivitySamplingResult.PropagationData,
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }

    /// <summary>Marks a span failed with the message the caller gets (spec §10.5: errors recorded with status Error).</summary>
    public static void Fail(Activity? activity, string message) => activity?.SetStatus(ActivityStatusCode.Error, message);

    /// <summary>
    /// The JSON Patch operations that write the bridge annotations onto <paramref name="incoming"/>:
    /// <c>multigres.com/traceparent</c> (W3C, from <paramref name="span"/>), <c>multigres.com/traceparent-ts</c>
    /// (Unix seconds of <paramref name="now"/>) and, when the span carries one, <c>multigres.com/tracestate</c>.
    /// Empty when there is no valid span context. <c>/metadata/annotations</c> is created when absent
    /// (RFC 6902 <c>add</c> on an existing member replaces it, so stale values are overwritten).
    /// </summary>
    public static JsonArray BridgePatch(JsonObject incoming, ActivityContext span, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(incoming);
        var operations = new JsonArray();
        if (span.TraceId == default || span.SpanId == default)
            return operations;

        var annotations = new List<(string Key, string Value)>
        {
            (AnnotationKeys.TraceParent, TraceParent(span)),
            (AnnotationKeys.TraceParentTimestamp, now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)),
        };
        if (!string.IsNullOrEmpty(span.TraceState))
            annotations.Add((AnnotationKeys.TraceState, span.TraceState));

        if (incoming["metadata"] is not JsonObject metadata)
        {
            operations.Add(Add("/metadata", new JsonObject { ["annotations"] = Object(annotations) }));
        }
        else if (metadata["annotations"] is not JsonObject)
        {
            // Absent or null: one add creates the map with every key.
            operations.Add(Add("/metadata/annotations", Object(annotations)));
        }
        else
        {
            foreach (var (key, value) in annotations)
                operations.Add(Add("/metadata/annotations/" + JsonPatchDiff.EscapeToken(key), value));
        }
        return operations;
    }

    /// <summary>W3C trace-context <c>traceparent</c>: <c>00-&lt;trace-id&gt;-&lt;parent-id&gt;-&lt;flags&gt;</c>.</summary>
    public static string TraceParent(ActivityContext span) =>
        string.Create(CultureInfo.InvariantCulture, $"00-{span.TraceId.ToHexString()}-{span.SpanId.ToHexString()}-{(byte)span.TraceFlags:x2}");

    private static JsonObject Object(List<(string Key, string Value)> annotations)
    {
        var map = new JsonObject();
        foreach (var (key, value) in annotations)
            map[key] = value;
        return map;
    }

    private static JsonObject Add(string path, JsonNode value) => new() { ["op"] = "add", ["path"] = path, ["value"] = value };
}
