using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Kubernetes.Client;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Grains.Certificates;

/// <summary>
/// Names of the webhook PKI (spec §9.2). Not sealed: the webhook's start-up options add the
/// certificate directory, which only that process has.
/// </summary>
public class WebhookPkiOptions
{
    public const string FieldManager = "multigres-operator-cert";

    /// <summary>Event source (spec §10.7: recorder name of the webhook certificates).</summary>
    public const string EventSource = "cert-rotator";

    /// <summary>The component named in event messages (<c>Generated new webhook CA certificate</c>).</summary>
    public const string Component = "webhook";

    public string Namespace { get; set; } = "multigres-operator";
    public string ServiceName { get; set; } = "multigres-operator-webhook-service";
    public string CaSecretName { get; set; } = "multigres-operator-ca-secret";
    public string ServingSecretName { get; set; } = "multigres-webhook-certs";
    public string MutatingConfiguration { get; set; } = "multigres-operator-mutating-webhook-configuration";
    public string ValidatingConfiguration { get; set; } = "multigres-operator-validating-webhook-configuration";

    /// <summary>Who records the events (<c>reportingInstance</c>): the pod or silo name.</summary>
    public string Instance { get; set; } = Environment.MachineName;
}

/// <summary>What <see cref="WebhookPki.EnsureAsync"/> found and left in force.</summary>
public sealed record WebhookPkiResult(PemKeyPair Authority, PemKeyPair Serving, CertificateDecision AuthorityDecision, CertificateDecision ServingDecision);

/// <summary>The pure part of §9.2's mode decision that does not need the webhook pod's file system.</summary>
public static class WebhookPkiRules
{
    /// <summary>
    /// Whether either webhook configuration carries <c>multigres.com/cert-strategy: self-signed</c>.
    /// The webhook's self-signed bootstrap writes that annotation with every CA-bundle patch, so from
    /// outside the webhook pod (the certificate grain) it is the sign that the PKI is ours to rotate;
    /// without it the certificates are managed externally (cert-manager) and must not be touched.
    /// </summary>
    public static bool SelfSignedAnnotated(IEnumerable<JsonObject?> configurations, out string? annotatedName)
    {
        ArgumentNullException.ThrowIfNull(configurations);
        foreach (var configuration in configurations)
        {
            if (configuration?["metadata"]?["annotations"]?[AnnotationKeys.CertStrategy] is JsonValue value
                && value.GetValueKind() == JsonValueKind.String && value.GetValue<string>() == AnnotationValues.CertStrategySelfSigned)
            {
                annotatedName = configuration["metadata"]?["name"]?.ToString() ?? "a webhook configuration";
                return true;
            }
        }

        annotatedName = null;
        return false;
    }
}

/// <summary>
/// Spec §9.1–9.2's self-signed PKI for the webhook, shared by the webhook's start-up bootstrap and the
/// certificate grain's hourly check: make sure the CA Secret and the serving Secret hold valid pairs
/// (<see cref="PkiRules"/> decides keep/create/replace, <see cref="CertificateFactory"/> mints), record
/// the reference's events on the Secret that changed (<c>Generated</c> for a new CA or a first serving
/// certificate, <c>Rotated</c> for a replaced serving certificate), then write the CA into both webhook
/// configurations by server-side apply under its own field manager, so the apply owns only
/// <c>caBundle</c> (and the strategy annotation) and never fights kubectl or the installer over the rest.
/// </summary>
public sealed partial class WebhookPki(KubernetesClient client, WebhookPkiOptions options, TimeProvider time, ILogger logger)
{
    private readonly ResourceClient<Secret> _secrets = client.Resource(KnownResources.Secrets, KubernetesJsonContext.Default.Secret);
    private readonly ResourceClient<CoreEvent> _events = client.Resource(KnownResources.Events, KubernetesJsonContext.Default.CoreEvent);
    private long _eventSequence;

    public WebhookPkiOptions Options => options;

    /// <summary>Both webhook configurations as stored (null: not found).</summary>
    public async Task<IReadOnlyList<JsonObject?>> ReadConfigurationsAsync(CancellationToken cancellationToken = default) =>
    [
        await client.Dynamic(KnownResources.MutatingWebhookConfigurations).TryGetAsync(options.MutatingConfiguration, cancellationToken: cancellationToken).ConfigureAwait(false),
        await client.Dynamic(KnownResources.ValidatingWebhookConfigurations).TryGetAsync(options.ValidatingConfiguration, cancellationToken: cancellationToken).ConfigureAwait(false),
    ];

    /// <summary>Ensures both Secrets and the CA bundles; returns the pairs now in force and what was decided.</summary>
    public async Task<WebhookPkiResult> EnsureAsync(CancellationToken cancellationToken = default)
    {
        var factory = new CertificateFactory(time);
        var now = time.GetUtcNow();

        var caSecret = await _secrets.TryGetAsync(options.CaSecretName, options.Namespace, cancellationToken).ConfigureAwait(false);
        var authority = PemKeyPair.FromSecret(caSecret, PkiRules.CaCertificateKey, PkiRules.CaPrivateKeyKey);
        var caDecision = PkiRules.EvaluateAuthority(authority, now);
        Log.SecretDecision(logger, options.CaSecretName, options.Namespace, caDecision.Action.ToString(), caDecision.Reason);
        if (caDecision.Action != CertificateAction.Keep)
        {
            authority = factory.CreateAuthority();
            var written = await WriteSecretAsync(caSecret, options.CaSecretName, new(StringComparer.Ordinal)
            {
                [PkiRules.CaCertificateKey] = authority.CertificatePem,
                [PkiRules.CaPrivateKeyKey] = authority.PrivateKeyPem,
            }, cancellationToken).ConfigureAwait(false);
            await RecordAsync(written, "Generated", $"Generated new {WebhookPkiOptions.Component} CA certificate", cancellationToken).ConfigureAwait(false);
        }

        var request = new ServingCertificateRequest(options.ServiceName, options.Namespace);
        var servingSecret = await _secrets.TryGetAsync(options.ServingSecretName, options.Namespace, cancellationToken).ConfigureAwait(false);
        var serving = PemKeyPair.FromSecret(servingSecret, PkiRules.TlsCertificateKey, PkiRules.TlsPrivateKeyKey);
        // A new CA invalidates every leaf it did not sign; PkiRules sees that through SignedBy.
        var servingDecision = PkiRules.EvaluateServing(serving, authority!, request, now);
        Log.SecretDecision(logger, options.ServingSecretName, options.Namespace, servingDecision.Action.ToString(), servingDecision.Reason);
        if (servingDecision.Action != CertificateAction.Keep)
        {
            serving = factory.CreateServing(authority!, request);
            var written = await WriteSecretAsync(servingSecret, options.ServingSecretName, new(StringComparer.Ordinal)
            {
                [PkiRules.TlsCertificateKey] = serving.CertificatePem,
                [PkiRules.TlsPrivateKeyKey] = serving.PrivateKeyPem,
                [PkiRules.CaCertificateKey] = authority!.CertificatePem,
            }, cancellationToken).ConfigureAwait(false);
            // The reference: a missing Secret is "Generated"; any replacement of an existing one is "Rotated".
            var (reason, message) = servingSecret is null
                ? ("Generated", $"Generated new {WebhookPkiOptions.Component} server certificate")
                : ("Rotated", $"Rotated {WebhookPkiOptions.Component} server certificate");
            await RecordAsync(written, reason, message, cancellationToken).ConfigureAwait(false);
        }

        await PatchCaBundleAsync(KnownResources.MutatingWebhookConfigurations, options.MutatingConfiguration, authority!.CertificatePem, cancellationToken).ConfigureAwait(false);
        await PatchCaBundleAsync(KnownResources.ValidatingWebhookConfigurations, options.ValidatingConfiguration, authority.CertificatePem, cancellationToken).ConfigureAwait(false);
        return new WebhookPkiResult(authority, serving!, caDecision, servingDecision);
    }

    /// <summary>The serving pair stored in the serving Secret, or null when it is missing or incomplete.</summary>
    public async Task<PemKeyPair?> ReadServingAsync(CancellationToken cancellationToken = default) =>
        PemKeyPair.FromSecret(await _secrets.TryGetAsync(options.ServingSecretName, options.Namespace, cancellationToken).ConfigureAwait(false),
            PkiRules.TlsCertificateKey, PkiRules.TlsPrivateKeyKey);

    private async Task<Secret> WriteSecretAsync(Secret? existing, string name, Dictionary<string, string> values, CancellationToken cancellationToken)
    {
        var data = values.ToDictionary(kv => kv.Key, kv => Encoding.UTF8.GetBytes(kv.Value), StringComparer.Ordinal);
        if (existing is null)
        {
            return await _secrets.CreateAsync(new Secret
            {
                Metadata = new ObjectMeta { Name = name, Namespace = options.Namespace, Labels = new() { ["app.kubernetes.io/managed-by"] = "multigres-operator" } },
                Type = "Opaque",
                Data = data,
            }, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        // Update with the read resourceVersion: two writers racing (webhook pods at start, the grain)
        // must not both win; the loser fails here and its next run finds a Keep decision.
        existing.Data = data;
        return await _secrets.UpdateAsync(existing, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A core/v1 Event on the Secret (spec §10.7, recorder <c>cert-rotator</c>); best effort, like every event.</summary>
    private async Task RecordAsync(Secret regarding, string reason, string message, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var sequence = Interlocked.Increment(ref _eventSequence).ToString("x", CultureInfo.InvariantCulture);
        var recorded = new CoreEvent
        {
            Metadata = new ObjectMeta { Name = $"{regarding.Metadata.Name}.{now.ToUnixTimeMilliseconds():x}{sequence}", Namespace = options.Namespace },
            InvolvedObject = new ObjectReference
            {
                ApiVersion = "v1",
                Kind = "Secret",
                Name = regarding.Metadata.Name,
                Namespace = options.Namespace,
                Uid = regarding.Metadata.Uid,
            },
            Type = "Normal",
            Reason = reason,
            Message = message,
            Count = 1,
            FirstTimestamp = now,
            LastTimestamp = now,
            Source = new JsonObject { ["component"] = WebhookPkiOptions.EventSource },
            ReportingComponent = WebhookPkiOptions.EventSource,
            ReportingInstance = options.Instance,
        };
        try
        {
            await _events.CreateAsync(recorded, cancellationToken: cancellationToken).ConfigureAwait(false);
            Log.Event(logger, reason, regarding.Metadata.Name ?? "", message);
        }
        catch (Exception e) when (e is KubernetesApiException or HttpRequestException or TaskCanceledException)
        {
            Log.EventFailed(logger, reason, regarding.Metadata.Name ?? "", e.Message);
        }
    }

    /// <summary>
    /// SSA of the configuration's webhooks with the CA set (and the cert-strategy annotation); a
    /// missing configuration or one without webhooks is skipped.
    /// </summary>
    private async Task PatchCaBundleAsync(ApiResource resource, string name, string caPem, CancellationToken cancellationToken)
    {
        var configurations = client.Dynamic(resource);
        var existing = await configurations.TryGetAsync(name, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (existing?["webhooks"] is not JsonArray { Count: > 0 } webhooks)
            return;
        var caBundle = Convert.ToBase64String(Encoding.UTF8.GetBytes(caPem));
        var entries = new JsonArray();
        foreach (var webhook in webhooks.OfType<JsonObject>())
        {
            // Only what this manager owns, as the reference applies it: `webhooks` is a list keyed by
            // name, so the rules and everything else stay with the installer's field manager.
            var clientConfig = new JsonObject { ["caBundle"] = caBundle };
            if (webhook["clientConfig"]?["service"] is { } service)
                clientConfig["service"] = service.DeepClone();
            if (webhook["clientConfig"]?["url"] is { } url)
                clientConfig["url"] = url.DeepClone();
            entries.Add(new JsonObject
            {
                ["name"] = webhook["name"]?.DeepClone(),
                ["admissionReviewVersions"] = webhook["admissionReviewVersions"]?.DeepClone(),
                ["sideEffects"] = webhook["sideEffects"]?.DeepClone(),
                ["clientConfig"] = clientConfig,
            });
        }

        var apply = new JsonObject
        {
            ["apiVersion"] = "admissionregistration.k8s.io/v1",
            ["kind"] = resource.Kind,
            ["metadata"] = new JsonObject { ["name"] = name, ["annotations"] = new JsonObject { [AnnotationKeys.CertStrategy] = AnnotationValues.CertStrategySelfSigned } },
            ["webhooks"] = entries,
        };
        await configurations.ApplyAsync(name, null, apply, new ApplyOptions(WebhookPkiOptions.FieldManager) { Force = true }, cancellationToken: cancellationToken).ConfigureAwait(false);
        Log.CaBundlePatched(logger, name, entries.Count);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "secret {Namespace}/{Name}: {Action} ({Reason})")]
        public static partial void SecretDecision(ILogger logger, string name, string @namespace, string action, string reason);

        [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "caBundle applied to {Configuration} ({Webhooks} webhooks)")]
        public static partial void CaBundlePatched(ILogger logger, string configuration, int webhooks);

        [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "event Normal {Reason} on Secret {Name}: {Message}")]
        public static partial void Event(ILogger logger, string reason, string name, string message);

        [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "could not record event {Reason} on Secret {Name}: {Error}")]
        public static partial void EventFailed(ILogger logger, string reason, string name, string error);
    }
}
