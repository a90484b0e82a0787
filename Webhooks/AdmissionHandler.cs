using System.Text.Json;
using System.Text.Json.Nodes;
using MultigresOrleans.Grains.Abstractions.Api;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Resolution;
using MultigresOrleans.Grains.Validation;

namespace MultigresOrleans.Webhooks;

/// <summary>
/// The decisions behind every webhook path (spec §2.2, §3). Pure code in Grains does the judging;
/// this class only gathers its inputs (the object, the old object, the namespace's templates, nodes,
/// StorageClasses, clusters) and maps its answers onto allow/deny. Problems with the request itself
/// throw <see cref="BadAdmissionReviewException"/> (HTTP 400); problems the user can fix are denials.
/// </summary>
public sealed partial class AdmissionHandler(IAdmissionDataSource data, WebhookOptions options, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>Path suffix (after <c>/validate-multigres-com-v1alpha1-</c>) to kind, in spec §3's order.</summary>
    public static IReadOnlyDictionary<string, string> ValidatedKinds { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["multigrescluster"] = ApiConstants.MultigresClusterKind,
        ["coretemplate"] = ApiConstants.CoreTemplateKind,
        ["celltemplate"] = ApiConstants.CellTemplateKind,
        ["shardtemplate"] = ApiConstants.ShardTemplateKind,
        ["cell"] = "Cell",
        ["shard"] = "Shard",
        ["toposerver"] = "TopoServer",
        ["tablegroup"] = "TableGroup",
    };

    public async Task<AdmissionOutcome> MutateAsync(AdmissionRequest request, CancellationToken cancellationToken)
    {
        if (request.Operation is not ("CREATE" or "UPDATE"))
            return AdmissionOutcome.Allow();
        using var span = options.TracingEnabled ? WebhookTracing.Source.StartActivity(WebhookTracing.DefaultSpan) : null;
        var outcome = await DefaultAsync(request, span, cancellationToken);
        if (!outcome.Allowed)
            WebhookTracing.Fail(span, outcome.Message ?? "denied");
        return outcome;
    }

    private async Task<AdmissionOutcome> DefaultAsync(AdmissionRequest request, System.Diagnostics.Activity? span, CancellationToken cancellationToken)
    {
        var incoming = RequireObject(request, ApiConstants.MultigresClusterKind);
        Tag(span, request, incoming);
        var templates = await TemplatesAsync(request, incoming, cancellationToken);
        if (templates.Error is { } error)
            return AdmissionOutcome.Deny(error);
        JsonArray patch;
        try
        {
            patch = MutationPatch.Compute(incoming, templates.Source!).Patch;
        }
        catch (JsonException e)
        {
            throw new BadAdmissionReviewException($"request.object cannot be read as a MultigresCluster: {e.Message}");
        }
        catch (Exception e) when (e is TemplateResolutionException or TemplateSourceException)
        {
            return AdmissionOutcome.Deny(e.Message);
        }
        // Spec §2.2 step 6: the reconcile continues this request's trace through the annotations.
        if (span is not null)
        {
            foreach (var operation in WebhookTracing.BridgePatch(incoming, span.Context, _time.GetUtcNow()))
                patch.Add(operation!.DeepClone());
        }
        return AdmissionOutcome.Allow() with { Patch = patch };
    }

    private static void Tag(System.Diagnostics.Activity? span, AdmissionRequest request, JsonObject json)
    {
        if (span is null)
            return;
        span.SetTag("k8s.resource.kind", ApiConstants.MultigresClusterKind);
        span.SetTag("k8s.resource.name", request.Name ?? (json["metadata"]?["name"] is JsonValue n && n.GetValueKind() == JsonValueKind.String ? n.GetValue<string>() : null));
        span.SetTag("k8s.namespace", request.Namespace);
        span.SetTag("admission.operation", request.Operation);
    }

    public Task<AdmissionOutcome> ValidateAsync(string kind, AdmissionRequest request, CancellationToken cancellationToken) => kind switch
    {
        ApiConstants.MultigresClusterKind => ValidateClusterAsync(request, cancellationToken),
        ApiConstants.CoreTemplateKind or ApiConstants.CellTemplateKind or ApiConstants.ShardTemplateKind => ValidateTemplateAsync(kind, request, cancellationToken),
        _ => Task.FromResult(ValidateChild(kind, request)),
    };

    private async Task<AdmissionOutcome> ValidateClusterAsync(AdmissionRequest request, CancellationToken cancellationToken)
    {
        if (request.Operation is not ("CREATE" or "UPDATE"))
            return AdmissionOutcome.Allow();
        using var span = options.TracingEnabled ? WebhookTracing.Source.StartActivity(WebhookTracing.ValidateSpan) : null;
        var outcome = await ValidateClusterCoreAsync(request, span, cancellationToken);
        if (!outcome.Allowed)
            WebhookTracing.Fail(span, outcome.Message ?? "denied");
        return outcome;
    }

    private async Task<AdmissionOutcome> ValidateClusterCoreAsync(AdmissionRequest request, System.Diagnostics.Activity? span, CancellationToken cancellationToken)
    {
        var json = RequireObject(request, ApiConstants.MultigresClusterKind);
        Tag(span, request, json);
        var oldJson = request.Operation == "UPDATE" ? RequireOldObject(request, ApiConstants.MultigresClusterKind) : null;
        if (Cel(ApiConstants.MultigresClusterKind, json, oldJson) is { } celError)
            return AdmissionOutcome.Deny(celError);

        var cluster = Decode(json, MultigresJsonContext.Default.MultigresCluster, ApiConstants.MultigresClusterKind);
        var old = oldJson is null ? null : Decode(oldJson, MultigresJsonContext.Default.MultigresCluster, ApiConstants.MultigresClusterKind);
        cluster.Metadata.Namespace ??= request.Namespace;

        var templatesTask = TemplatesAsync(request, json, cancellationToken);
        var nodesTask = data.NodeLabelsAsync(cancellationToken);
        var classesTask = StorageClassesAsync(cancellationToken);
        var templates = await templatesTask;
        var nodes = await nodesTask;
        var (classes, classError) = await classesTask;
        if (templates.Error is { } error)
            return AdmissionOutcome.Deny(error);

        // Spec §3.1 spans: (A) on its own, then the rest of the validator (A2, B and the UPDATE rules).
        using (var templatesSpan = options.TracingEnabled ? WebhookTracing.Source.StartActivity(WebhookTracing.ValidateTemplatesExistSpan) : null)
        {
            if (MultigresClusterValidator.TemplatesExist(cluster, templates.Source!) is { } missing)
            {
                WebhookTracing.Fail(templatesSpan, missing);
                return AdmissionOutcome.Deny(missing);
            }
        }
        using var logicSpan = options.TracingEnabled ? WebhookTracing.Source.StartActivity(WebhookTracing.ValidateLogicSpan) : null;
        var verdict = MultigresClusterValidator.Validate(cluster, old, new ClusterValidationContext(templates.Source!, nodes, classes, classError));
        if (!verdict.IsAllowed)
            WebhookTracing.Fail(logicSpan, verdict.Error!);
        return verdict.IsAllowed ? AdmissionOutcome.Allow(verdict.Warnings) : AdmissionOutcome.Deny(verdict.Error!, verdict.Warnings);
    }

    private async Task<AdmissionOutcome> ValidateTemplateAsync(string kind, AdmissionRequest request, CancellationToken cancellationToken)
    {
        if (request.Operation == "DELETE")
            return await TemplateDeleteGuardAsync(kind, request, cancellationToken);
        if (request.Operation is not ("CREATE" or "UPDATE"))
            return AdmissionOutcome.Allow();

        var json = RequireObject(request, kind);
        var oldJson = request.Operation == "UPDATE" ? RequireOldObject(request, kind) : null;
        if (Cel(kind, json, oldJson) is { } celError)
            return AdmissionOutcome.Deny(celError);
        // A metadata-only change (labels, annotations, finalizers) cannot make a template invalid, and
        // must never be gated on consumer state: a broken consumer would otherwise wedge finalizer removal.
        if (oldJson is not null && JsonNode.DeepEquals(json["spec"], oldJson["spec"]))
            return AdmissionOutcome.Allow();

        switch (kind)
        {
            case ApiConstants.ShardTemplateKind:
            {
                var template = Decode(json, MultigresJsonContext.Default.ShardTemplate, kind);
                var old = oldJson is null ? null : Decode(oldJson, MultigresJsonContext.Default.ShardTemplate, kind);
                return TemplateValidator.ShardTemplateWrite(template, old) is { } error ? AdmissionOutcome.Deny(error) : AdmissionOutcome.Allow();
            }
            case ApiConstants.CellTemplateKind:
            {
                var template = Decode(json, MultigresJsonContext.Default.CellTemplate, kind);
                var old = oldJson is null ? null : Decode(oldJson, MultigresJsonContext.Default.CellTemplate, kind);
                // Content first: a template wrong on its own is refused without listing anything.
                if (TemplateValidator.CellTemplateContent(template) is { } contentError)
                    return AdmissionOutcome.Deny(contentError);
                var ns = template.Metadata.Namespace ?? request.Namespace ?? "";
                var clustersTask = ClustersAsync(ns, cancellationToken);
                var templates = await TemplatesAsync(request, json, cancellationToken);
                var (clusters, listError) = await clustersTask;
                if (clusters is not null && templates.Error is { } templatesError)
                    return AdmissionOutcome.Deny(templatesError);
                var error = TemplateValidator.CellTemplateWrite(template, old, clusters, templates.Source ?? InMemoryTemplateSource.Empty, listError);
                return error is null ? AdmissionOutcome.Allow() : AdmissionOutcome.Deny(error);
            }
            default:
                return AdmissionOutcome.Allow();
        }
    }

    /// <summary>
    /// Spec §3.2 deletion guard. Every cluster in the namespace is checked, not just those the
    /// controller has labelled, so a cluster created a moment ago is protected too (§16.16); deleting
    /// the fallback CellTemplate <c>default</c> is also dry-run against its implicit consumers.
    /// </summary>
    private async Task<AdmissionOutcome> TemplateDeleteGuardAsync(string kind, AdmissionRequest request, CancellationToken cancellationToken)
    {
        var name = request.Name ?? request.OldObject?["metadata"]?["name"]?.GetValueKind() switch
        {
            JsonValueKind.String => request.OldObject!["metadata"]!["name"]!.GetValue<string>(),
            _ => null,
        };
        var ns = request.Namespace ?? "";
        if (string.IsNullOrEmpty(name))
            throw new BadAdmissionReviewException("a DELETE review must name the object (request.name)");

        // With a grain cluster configured, the template grain answers for every template but `default`
        // (TemplateDeleteRules says why); an unanswered call refuses the deletion (fail closed).
        if (data is ITemplateConsumers grains && TemplateDeleteRules.UsesGrain(name))
        {
            try
            {
                var consumers = await grains.ConsumersAsync(kind, ns, name, cancellationToken);
                return TemplateDeleteRules.FromConsumers(kind, name, consumers) is { } inUse ? AdmissionOutcome.Deny(inUse) : AdmissionOutcome.Allow();
            }
            catch (TemplateConsumersUnavailableException e)
            {
                return AdmissionOutcome.Deny(TemplateDeleteRules.Unavailable(kind, name, e.Message));
            }
        }

        var (clusters, listError) = await ClustersAsync(ns, cancellationToken);
        ITemplateSource? stored = null;
        if (clusters is not null && TemplateValidator.DeleteNeedsTemplates(kind, name))
        {
            var templates = await TemplatesAsync(request, request.OldObject ?? new JsonObject(), cancellationToken);
            if (templates.Error is { } templatesError)
                return AdmissionOutcome.Deny(templatesError);
            stored = templates.Source;
        }
        return TemplateValidator.TemplateDelete(kind, name, clusters, stored, listError) is { } error
            ? AdmissionOutcome.Deny(error)
            : AdmissionOutcome.Allow();
    }

    private async Task<(IReadOnlyList<MultigresCluster>? Clusters, string? Error)> ClustersAsync(string ns, CancellationToken cancellationToken)
    {
        try
        {
            return (await data.ClustersAsync(ns, cancellationToken), null);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return (null, e.Message);
        }
    }

    /// <summary>Spec §3.3: only the operator (and the GC/namespace controllers) write child CRs.</summary>
    private AdmissionOutcome ValidateChild(string kind, AdmissionRequest request)
    {
        var subject = request.Operation == "DELETE" ? request.OldObject ?? request.Object : request.Object;
        if (subject is null && request.Operation != "DELETE")
            throw new BadAdmissionReviewException($"request.object is missing; a {request.Operation} review of a {kind} must carry the object");
        var objectKind = subject?["kind"] is JsonValue k && k.GetValueKind() == JsonValueKind.String ? k.GetValue<string>() : null;
        if (ChildResourceProtection.Check(request.Username, objectKind, options.OperatorUser) is { } denial)
            return AdmissionOutcome.Deny(denial);
        if (request.Operation is "CREATE" or "UPDATE")
        {
            var json = RequireObject(request, kind);
            var oldJson = request.Operation == "UPDATE" ? request.OldObject : null;
            if (Cel(kind, json, oldJson) is { } celError)
                return AdmissionOutcome.Deny(celError);
        }
        return AdmissionOutcome.Allow();
    }

    private static JsonObject RequireObject(AdmissionRequest request, string kind)
    {
        var json = request.Object ?? throw new BadAdmissionReviewException($"request.object is missing; a {request.Operation} review of a {kind} must carry the object");
        CheckKind(json, kind, "request.object");
        return json;
    }

    private static JsonObject RequireOldObject(AdmissionRequest request, string kind)
    {
        var json = request.OldObject ?? throw new BadAdmissionReviewException($"request.oldObject is missing; an UPDATE review of a {kind} must carry the old object");
        CheckKind(json, kind, "request.oldObject");
        return json;
    }

    private static void CheckKind(JsonObject json, string kind, string where)
    {
        var apiVersion = json["apiVersion"] is JsonValue a && a.GetValueKind() == JsonValueKind.String ? a.GetValue<string>() : null;
        var actual = json["kind"] is JsonValue k && k.GetValueKind() == JsonValueKind.String ? k.GetValue<string>() : null;
        if (actual != kind || apiVersion != ApiConstants.ApiVersion)
            throw new BadAdmissionReviewException($"{where}: expected {kind} of {ApiConstants.ApiVersion}, got {actual ?? "no kind"} of {apiVersion ?? "no apiVersion"}");
    }

    private static T Decode<T>(JsonObject json, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, string kind)
    {
        try
        {
            return json.Deserialize(type) ?? throw new BadAdmissionReviewException($"request.object cannot be read as a {kind}");
        }
        catch (JsonException e)
        {
            throw new BadAdmissionReviewException($"request.object cannot be read as a {kind}: {e.Message}");
        }
    }

    /// <summary>
    /// The CRDs' CEL rules, re-checked in C#: API servers without CEL (KubeSim) would otherwise store
    /// what a real one refuses. Messages are those of the rules, prefixed by the field path.
    /// </summary>
    private static string? Cel(string kind, JsonObject json, JsonObject? old)
    {
        var definition = MultigresKind.Find(ApiConstants.ApiVersion, kind);
        if (definition is null)
            return null;
        IReadOnlyList<Kubernetes.Schema.SchemaError> errors;
        try
        {
            errors = CelRuleCatalog.Check(json, old, definition.Schema);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or JsonException or ArgumentException)
        {
            // A value of the wrong type makes a rule unevaluable; the real API server rejects such an
            // object during schema validation, before any rule runs.
            throw new BadAdmissionReviewException($"request.object does not match the {kind} schema: {e.Message}");
        }
        return errors.Count == 0 ? null : string.Join("; ", errors.Select(e => e.ToString()));
    }

    private sealed record TemplateLookup(ITemplateSource? Source, string? Error);

    private async Task<TemplateLookup> TemplatesAsync(AdmissionRequest request, JsonObject json, CancellationToken cancellationToken)
    {
        var ns = json["metadata"]?["namespace"] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : request.Namespace ?? "";
        try
        {
            return new TemplateLookup(await data.TemplatesAsync(ns, cancellationToken), null);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return new TemplateLookup(null, e is TemplateSourceException ? e.Message : $"failed to list templates: {e.Message}");
        }
    }

    private async Task<(IReadOnlyList<StorageClassInfo>? Classes, string? Error)> StorageClassesAsync(CancellationToken cancellationToken)
    {
        try
        {
            return (await data.StorageClassesAsync(cancellationToken), null);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return (null, e.Message);
        }
    }
}
