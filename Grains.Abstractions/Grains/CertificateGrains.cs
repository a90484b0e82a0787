using System.Text.Json.Serialization;
using MultigresOrleans.Runtime;

namespace MultigresOrleans.Grains.Abstractions.Grains;

/// <summary>
/// The webhook PKI's rotator (spec §9.1–9.2), one per webhook Service, keyed "&lt;namespace&gt;/&lt;service&gt;"
/// (see <see cref="CertificateGrainKeys.Webhook"/>). The webhook process bootstraps the PKI at start;
/// this grain keeps it valid afterwards: an hourly durable reminder re-checks both Secrets, rotates 30
/// days before expiry and re-patches the CA bundle. In cert-manager mode (no webhook configuration
/// annotated <c>multigres.com/cert-strategy: self-signed</c>) it does nothing.
/// </summary>
public interface ICertificateGrain : IGrainWithStringKey
{
    /// <summary>Makes sure the hourly reminder exists (idempotent); each silo calls it once at start.</summary>
    Task EnsureReminder();

    /// <summary>Runs the check the reminder runs, now, and says what it did.</summary>
    Task<CertificateCheckResult> Check();
}

/// <summary>
/// What one check did. <paramref name="AuthorityAction"/> and <paramref name="ServingAction"/> are
/// <c>Keep</c>, <c>Create</c> or <c>Replace</c> (empty when not self-signed); <paramref name="Reason"/>
/// explains the mode, or the serving decision when self-signed.
/// </summary>
public sealed record CertificateCheckResult(bool SelfSigned, string AuthorityAction, string ServingAction, string Reason)
{
    /// <summary>Whether the serving certificate was replaced (the <c>Rotated</c> event was recorded).</summary>
    public bool Rotated => ServingAction == "Replace";
}

/// <summary>Keys of <see cref="ICertificateGrain"/>.</summary>
public static class CertificateGrainKeys
{
    /// <summary>The webhook Service of the shipped manifests (spec §9.2 <c>--webhook-service-name</c> default).</summary>
    public const string DefaultWebhookService = "multigres-operator-webhook-service";

    public static string Webhook(string @namespace, string? service = null) =>
        GrainKeys.Of(@namespace, string.IsNullOrEmpty(service) ? DefaultWebhookService : service);
}

/// <summary>Source-generated JSON for the certificate grain's results over the wire.</summary>
[JsonSerializable(typeof(CertificateCheckResult))]
public sealed partial class CertificateGrainsJsonContext : JsonSerializerContext;
