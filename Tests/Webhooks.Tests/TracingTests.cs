using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Resolution;
using MultigresOrleans.KubeSim.Patching;
using static MultigresOrleans.Webhooks.Tests.Reviews;

namespace MultigresOrleans.Webhooks.Tests;

/// <summary>
/// Spec §10.5 / §2.2 step 6: with tracing on, the mutating webhook's patch also writes the trace
/// bridge annotations of its own <c>Webhook.Default</c> span; with tracing off it writes none; the
/// spec part of the patch is unchanged either way, and the validating spans are recorded.
/// </summary>
public sealed partial class TracingTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 4, 5, 6, 7, TimeSpan.Zero);

    [GeneratedRegex("^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$")]
    private static partial Regex TraceParentFormat();

    private static AdmissionHandler Handler(bool tracing) => new(
        new InMemoryAdmissionDataSource(),
        new WebhookOptions { OtlpEndpoint = tracing ? "http://otel-collector:4318" : null },
        new FakeTimeProvider(Now));

    private static AdmissionRequest Create(JsonObject cluster) => new(Guid.NewGuid().ToString(), "CREATE",
        cluster["metadata"]!["namespace"]!.GetValue<string>(), cluster["metadata"]!["name"]!.GetValue<string>(), Admin, cluster, null);

    private static JsonObject? Annotations(JsonNode? cluster) => cluster?["metadata"]?["annotations"] as JsonObject;

    [Fact]
    public void Tracing_is_on_exactly_when_an_otlp_endpoint_is_set()
    {
        Assert.False(new WebhookOptions().TracingEnabled);
        Assert.False(new WebhookOptions { OtlpEndpoint = " " }.TracingEnabled);
        Assert.True(new WebhookOptions { OtlpEndpoint = "http://collector:4317" }.TracingEnabled);
    }

    [Fact]
    public async Task With_tracing_off_the_patch_touches_only_the_spec()
    {
        using var listener = WebhookTracing.Listen();
        var cluster = MinimalCluster("tracing-off");
        var outcome = await Handler(tracing: false).MutateAsync(Create(cluster), CancellationToken.None);

        Assert.True(outcome.Allowed, outcome.Message);
        Assert.NotNull(outcome.Patch);
        Assert.NotEmpty(outcome.Patch!);
        Assert.All(outcome.Patch!, op => Assert.StartsWith("/spec", op!["path"]!.GetValue<string>(), StringComparison.Ordinal));
        Assert.True(JsonNode.DeepEquals(MutationPatch.Compute(cluster, InMemoryTemplateSource.Empty).Patch, outcome.Patch));
    }

    [Fact]
    public async Task With_tracing_on_the_patch_adds_a_valid_traceparent_and_timestamp_and_keeps_the_spec_defaulting()
    {
        using var listener = WebhookTracing.Listen();
        var handler = Handler(tracing: true);
        var cluster = MinimalCluster("tracing-on");
        Assert.Null(Annotations(cluster));

        var outcome = await handler.MutateAsync(Create(cluster), CancellationToken.None);
        Assert.True(outcome.Allowed, outcome.Message);
        var patched = JsonPatch.Apply(cluster, outcome.Patch)!.AsObject();

        var annotations = Annotations(patched)!;
        var traceParent = annotations[AnnotationKeys.TraceParent]!.GetValue<string>();
        Assert.Matches(TraceParentFormat(), traceParent);
        Assert.DoesNotContain("-00000000000000000000000000000000-", traceParent, StringComparison.Ordinal);
        Assert.Equal(Now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), annotations[AnnotationKeys.TraceParentTimestamp]!.GetValue<string>());
        Assert.Null(annotations[AnnotationKeys.TraceState]);

        // The spec part is exactly the pure defaulter's, and admitting the result again changes no spec field.
        var specOnly = new JsonArray([.. outcome.Patch!.Where(op => op!["path"]!.GetValue<string>().StartsWith("/spec", StringComparison.Ordinal)).Select(op => op!.DeepClone())]);
        Assert.True(JsonNode.DeepEquals(MutationPatch.Compute(cluster, InMemoryTemplateSource.Empty).Patch, specOnly), specOnly.ToJsonString());
        var again = await handler.MutateAsync(Create(patched), CancellationToken.None);
        Assert.All(again.Patch!, op => Assert.StartsWith("/metadata/annotations/multigres.com~1", op!["path"]!.GetValue<string>(), StringComparison.Ordinal));
        var twice = JsonPatch.Apply(patched, again.Patch)!;
        Assert.True(JsonNode.DeepEquals(patched["spec"], twice["spec"]));
        // Each admission is its own span: the second request carries a new traceparent.
        Assert.NotEqual(traceParent, Annotations(twice)![AnnotationKeys.TraceParent]!.GetValue<string>());
    }

    [Fact]
    public async Task With_tracing_on_the_span_continues_the_callers_trace_and_carries_its_tracestate()
    {
        using var listener = WebhookTracing.Listen();
        var callerTrace = ActivityTraceId.CreateRandom();
        using var caller = new Activity("kube-apiserver").SetParentId(callerTrace, ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);
        caller.TraceStateString = "vendor=abc";
        caller.Start();
        var cluster = MinimalCluster("tracing-parent");
        cluster["metadata"]!["annotations"] = new JsonObject { ["keep"] = "me", [AnnotationKeys.TraceParent] = "00-stale" };

        var outcome = await Handler(tracing: true).MutateAsync(Create(cluster), CancellationToken.None);
        caller.Stop();

        var annotations = Annotations(JsonPatch.Apply(cluster, outcome.Patch))!;
        var traceParent = annotations[AnnotationKeys.TraceParent]!.GetValue<string>();
        Assert.StartsWith($"00-{callerTrace.ToHexString()}-", traceParent, StringComparison.Ordinal);
        Assert.EndsWith("-01", traceParent, StringComparison.Ordinal);
        Assert.Equal("vendor=abc", annotations[AnnotationKeys.TraceState]!.GetValue<string>());
        Assert.Equal("me", annotations["keep"]!.GetValue<string>());
        // Existing map: one add per key, with '/' escaped as ~1.
        Assert.Contains(outcome.Patch!, op => op!["path"]!.GetValue<string>() == "/metadata/annotations/multigres.com~1traceparent");
    }

    [Fact]
    public async Task The_validating_webhook_records_its_three_spans_and_a_denial_as_an_error()
    {
        var stopped = new List<Activity>();
        using var recorder = new ActivityListener
        {
            ShouldListenTo = s => s.Name == WebhookTracing.SourceName,
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => { lock (stopped) stopped.Add(a); },
        };
        ActivitySource.AddActivityListener(recorder);
        using var root = new Activity("test-root").Start();
        var trace = root.TraceId;

        var handler = Handler(tracing: true);
        var ok = await handler.ValidateAsync(ApiConstants.MultigresClusterKind, Create(MinimalCluster("tracing-validate")), CancellationToken.None);
        Assert.True(ok.Allowed, ok.Message);
        var missing = MinimalCluster("tracing-validate");
        missing["spec"]!["templateDefaults"] = new JsonObject { ["coreTemplate"] = "nope" };
        var denied = await handler.ValidateAsync(ApiConstants.MultigresClusterKind, Create(missing), CancellationToken.None);
        Assert.False(denied.Allowed);

        List<Activity> mine;
        lock (stopped) mine = stopped.Where(a => a.TraceId == trace).ToList();
        Assert.Equal(2, mine.Count(a => a.OperationName == WebhookTracing.ValidateSpan));
        Assert.Equal(2, mine.Count(a => a.OperationName == WebhookTracing.ValidateTemplatesExistSpan));
        Assert.Equal(1, mine.Count(a => a.OperationName == WebhookTracing.ValidateLogicSpan));
        var failed = mine.Single(a => a.OperationName == WebhookTracing.ValidateTemplatesExistSpan && a.Status == ActivityStatusCode.Error);
        Assert.Equal("referenced CoreTemplate 'nope' not found in namespace 'tracing-validate'", failed.StatusDescription);
        Assert.All(mine.Where(a => a.OperationName != WebhookTracing.ValidateSpan), a => Assert.Equal(WebhookTracing.ValidateSpan, a.Parent?.OperationName));
    }

    [Fact]
    public void The_bridge_patch_creates_the_annotation_map_when_absent_and_is_empty_without_a_span()
    {
        var span = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.None);
        var bare = new JsonObject { ["metadata"] = new JsonObject { ["name"] = "x" } };
        var patch = WebhookTracing.BridgePatch(bare, span, Now);
        var op = Assert.Single(patch)!;
        Assert.Equal("/metadata/annotations", op["path"]!.GetValue<string>());
        Assert.Equal($"00-{span.TraceId.ToHexString()}-{span.SpanId.ToHexString()}-00", op["value"]![AnnotationKeys.TraceParent]!.GetValue<string>());

        var nullMap = new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = null } };
        Assert.NotNull(JsonPatch.Apply(nullMap, WebhookTracing.BridgePatch(nullMap, span, Now))!["metadata"]!["annotations"]![AnnotationKeys.TraceParentTimestamp]);

        Assert.Empty(WebhookTracing.BridgePatch(bare, default, Now));
    }
}
