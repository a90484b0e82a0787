using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using MultigresOrleans.Grains.Certificates;
using MultigresOrleans.Kubernetes.Client;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Webhooks;

public sealed class CertificateBootstrapOptions
{
    public string Namespace { get; set; } = "multigres-operator";
    public string ServiceName { get; set; } = "multigres-operator-webhook-service";
    public string CaSecretName { get; set; } = "multigres-operator-ca-secret";
    public string ServingSecretName { get; set; } = "multigres-webhook-certs";
    public string MutatingConfiguration { get; set; } = "multigres-operator-mutating-webhook-configuration";
    public string ValidatingConfiguration { get; set; } = "multigres-operator-validating-webhook-configuration";
    public string CertDirectory { get; set; } = "/var/run/secrets/webhook";
    public const string FieldManager = "multigres-operator-cert";
}

/// <summary>
/// Spec §9.2's self-signed mode, run once at start: make sure the CA Secret and the serving Secret
/// hold valid pairs (PkiRules decides keep/create/replace; CertificateFactory mints), then write the
/// CA into both webhook configurations by server-side apply under its own field manager, so the
/// apply owns only <c>caBundle</c> (and the strategy annotation) and never fights kubectl or the
/// installer over the rest. The periodic rotation belongs to the certificate grain (a later step);
/// this class is what it will call.
/// </summary>
public sealed class CertificateBootstrap(KubernetesClient client, CertificateBootstrapOptions options, TimeProvider time, ILogger<CertificateBootstrap> logger)
{
    private readonly ResourceClient<Secret> _secrets = client.Resource(KnownResources.Secrets, KubernetesJsonContext.Default.Secret);

    /// <summary>Ensures both Secrets and the CA bundles; returns the CA and serving pairs now in force.</summary>
    public async Task<(PemKeyPair Authority, PemKeyPair Serving)> EnsureAsync(bool writeCertDirectory = false, CancellationToken cancellationToken = default)
    {
        var factory = new CertificateFactory(time);
        var now = time.GetUtcNow();

        var caSecret = await _secrets.TryGetAsync(options.CaSecretName, options.Namespace, cancellationToken);
        var authority = Pair(caSecret, PkiRules.CaCertificateKey, PkiRules.CaPrivateKeyKey);
        var caDecision = PkiRules.EvaluateAuthority(authority, now);
        Log.SecretDecision(logger, options.CaSecretName, options.Namespace, caDecision.Action.ToString(), caDecision.Reason);
        var caChanged = caDecision.Action != CertificateAction.Keep;
        if (caChanged)
        {
            authority = factory.CreateAuthority();
            await WriteSecretAsync(caSecret, options.CaSecretName, new()
            {
                [PkiRules.CaCertificateKey] = authority.CertificatePem,
                [PkiRules.CaPrivateKeyKey] = authority.PrivateKeyPem,
            }, cancellationToken);
        }

        var request = new ServingCertificateRequest(options.ServiceName, options.Namespace);
        var servingSecret = await _secrets.TryGetAsync(options.ServingSecretName, options.Namespace, cancellationToken);
        var serving = Pair(servingSecret, PkiRules.TlsCertificateKey, PkiRules.TlsPrivateKeyKey);
        // A new CA invalidates every leaf it did not sign; PkiRules sees that through SignedBy.
        var servingDecision = PkiRules.EvaluateServing(serving, authority!, request, now);
        Log.SecretDecision(logger, options.ServingSecretName, options.Namespace, servingDecision.Action.ToString(), servingDecision.Reason);
        if (servingDecision.Action != CertificateAction.Keep)
        {
            serving = factory.CreateServing(authority!, request);
            await WriteSecretAsync(servingSecret, options.ServingSecretName, new()
            {
                [PkiRules.TlsCertificateKey] = serving.CertificatePem,
                [PkiRules.TlsPrivateKeyKey] = serving.PrivateKeyPem,
                [PkiRules.CaCertificateKey] = authority!.CertificatePem,
            }, cancellationToken);
        }

        if (writeCertDirectory)
            await WriteCertDirectoryAsync(serving!, cancellationToken);

        await PatchCaBundleAsync(KnownResources.MutatingWebhookConfigurations, options.MutatingConfiguration, authority!.CertificatePem, cancellationToken);
        await PatchCaBundleAsync(KnownResources.ValidatingWebhookConfigurations, options.ValidatingConfiguration, authority.CertificatePem, cancellationToken);
        return (authority, serving!);
    }

    private static PemKeyPair? Pair(Secret? secret, string certificateKey, string keyKey) =>
        secret?.Data is { } data && data.TryGetValue(certificateKey, out var cert) && data.TryGetValue(keyKey, out var key)
            ? new PemKeyPair(Encoding.UTF8.GetString(cert), Encoding.UTF8.GetString(key))
            : null;

    private async Task WriteSecretAsync(Secret? existing, string name, Dictionary<string, string> values, CancellationToken cancellationToken)
    {
        var data = values.ToDictionary(kv => kv.Key, kv => Encoding.UTF8.GetBytes(kv.Value));
        if (existing is null)
        {
            await _secrets.CreateAsync(new Secret
            {
                Metadata = new ObjectMeta { Name = name, Namespace = options.Namespace, Labels = new() { ["app.kubernetes.io/managed-by"] = "multigres-operator" } },
                Type = "Opaque",
                Data = data,
            }, cancellationToken: cancellationToken);
            return;
        }
        // Update with the read resourceVersion: two webhook pods racing at start must not both win;
        // the loser fails here and restarts into a Keep decision.
        existing.Data = data;
        await _secrets.UpdateAsync(existing, cancellationToken: cancellationToken);
    }

    /// <summary>Writes the pair for the local server when no kubelet projects the Secret (development, tests).</summary>
    private async Task WriteCertDirectoryAsync(PemKeyPair serving, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(options.CertDirectory);
        // Key first, certificate last: the reloader reacts to either file, and a certificate that
        // arrives before its key would fail to load (harmless, but noisy).
        await File.WriteAllTextAsync(Path.Combine(options.CertDirectory, "tls.key"), serving.PrivateKeyPem, cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(options.CertDirectory, "tls.crt"), serving.CertificatePem, cancellationToken);
    }

    /// <summary>
    /// SSA of the configuration's webhooks with the CA set (and the cert-strategy annotation); a
    /// missing configuration or one without webhooks is skipped.
    /// </summary>
    private async Task PatchCaBundleAsync(ApiResource resource, string name, string caPem, CancellationToken cancellationToken)
    {
        var configurations = client.Dynamic(resource);
        var existing = await configurations.TryGetAsync(name, cancellationToken: cancellationToken);
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
            var entry = new JsonObject
            {
                ["name"] = webhook["name"]?.DeepClone(),
                ["admissionReviewVersions"] = webhook["admissionReviewVersions"]?.DeepClone(),
                ["sideEffects"] = webhook["sideEffects"]?.DeepClone(),
                ["clientConfig"] = clientConfig,
            };
            entries.Add(entry);
        }
        var apply = new JsonObject
        {
            ["apiVersion"] = "admissionregistration.k8s.io/v1",
            ["kind"] = resource.Kind,
            ["metadata"] = new JsonObject { ["name"] = name, ["annotations"] = new JsonObject { ["multigres.com/cert-strategy"] = "self-signed" } },
            ["webhooks"] = entries,
        };
        await configurations.ApplyAsync(name, null, apply, new ApplyOptions(CertificateBootstrapOptions.FieldManager) { Force = true }, cancellationToken: cancellationToken);
        Log.CaBundlePatched(logger, name, entries.Count);
    }
}
