using System.Text;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Abstractions.Grains;
using MultigresOrleans.Grains.Builders;
using MultigresOrleans.Grains.Certificates;
using MultigresOrleans.Grains.Operator;
using MultigresOrleans.Kubernetes.Client;
using MultigresOrleans.Kubernetes.Models;
using MultigresOrleans.Runtime;

namespace MultigresOrleans.Grains.Shards;

// Spec §6.5 step 7 and §8.2: the pgBackRest TLS Secrets. The reference checks them on every reconcile only; a
// converged shard here may not reconcile for months, so a daily reminder (CertificateReminder) runs the same check
// and rotation happens within a day of entering the 30-day window, whether or not anything else changes.
public sealed partial class ShardGrain : IRemindable
{
    public const string CertificateReminder = "pgbackrest-certificates";
    private static readonly TimeSpan CertificateCheckPeriod = TimeSpan.FromHours(24);

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != CertificateReminder)
            return;
        var (ns, name) = GrainKeys.Parse(GetPrimaryKeyString());
        var shard = observed.Shards.Cache.Get(ns, name);
        if (shard is null || shard.Metadata.DeletionTimestamp is not null)
        {
            if (await GetReminder(CertificateReminder).ConfigureAwait(false) is { } reminder)
                await UnregisterReminder(reminder).ConfigureAwait(false);
            _certificateReminderKnown = false;
            return;
        }

        await EnsurePgBackRestTlsAsync(shard).ConfigureAwait(false);
    }

    /// <summary>Checks the user's Secret, or creates and rotates the operator's CA and server Secrets.</summary>
    private async Task EnsurePgBackRestTlsAsync(Shard shard)
    {
        if (shard.Spec.Backup is null)
            return;
        var ns = shard.Metadata.Namespace!;
        if (PgBackRestTlsRules.UserSecretName(shard) is { } userSecret)
        {
            var secret = await Resources.Secrets.TryGetAsync(userSecret, ns).ConfigureAwait(false);
            if (PgBackRestTlsRules.CheckUserSecret(userSecret, secret) is { } problem)
            {
                await events.RecordAsync(shard, EventRecorder.Warning, "CertError", $"Failed to reconcile pgBackRest TLS certificates: {problem}").ConfigureAwait(false);
                throw new InvalidOperationException(problem);
            }

            return;
        }

        var now = time.GetUtcNow();
        var factory = new CertificateFactory(time);
        var caName = PgBackRestTlsRules.CaSecretName(shard);
        var caSecret = await Resources.Secrets.TryGetAsync(caName, ns).ConfigureAwait(false);
        var authority = PemKeyPair.FromSecret(caSecret, PkiRules.CaCertificateKey, PkiRules.CaPrivateKeyKey);
        if (PkiRules.EvaluateAuthority(authority, now).Action != CertificateAction.Keep)
        {
            authority = factory.CreateAuthority(PgBackRestTlsRules.Organization);
            await WriteSecretAsync(shard, caSecret, caName, new()
            {
                [PkiRules.CaCertificateKey] = authority.CertificatePem,
                [PkiRules.CaPrivateKeyKey] = authority.PrivateKeyPem,
            }).ConfigureAwait(false);
            await events.RecordAsync(shard, EventRecorder.Normal, "Generated", $"Generated new {PgBackRestTlsRules.Component} CA certificate").ConfigureAwait(false);
        }

        var tlsName = PgBackRestTlsRules.TlsSecretName(shard);
        var tlsSecret = await Resources.Secrets.TryGetAsync(tlsName, ns).ConfigureAwait(false);
        var server = PemKeyPair.FromSecret(tlsSecret, PkiRules.TlsCertificateKey, PkiRules.TlsPrivateKeyKey);
        var request = PgBackRestTlsRules.ServerRequest(shard);
        var decision = PkiRules.EvaluateServing(server, authority!, request, now);
        if (decision.Action != CertificateAction.Keep)
        {
            server = factory.CreateServing(authority!, request, PgBackRestTlsRules.Organization);
            await WriteSecretAsync(shard, tlsSecret, tlsName, new()
            {
                [PkiRules.TlsCertificateKey] = server.CertificatePem,
                [PkiRules.TlsPrivateKeyKey] = server.PrivateKeyPem,
            }).ConfigureAwait(false);
            var (reason, message) = tlsSecret is null
                ? ("Generated", $"Generated new {PgBackRestTlsRules.Component} server certificate")
                : ("Rotated", $"Rotated {PgBackRestTlsRules.Component} server certificate");
            await events.RecordAsync(shard, EventRecorder.Normal, reason, message).ConfigureAwait(false);
        }

        // Looked up once per activation: the reminder is durable, so one that exists stays until the shard is gone.
        if (!_certificateReminderKnown)
        {
            if (await GetReminder(CertificateReminder).ConfigureAwait(false) is null)
                await RegisterOrUpdateReminder(CertificateReminder, CertificateCheckPeriod, CertificateCheckPeriod).ConfigureAwait(false);
            _certificateReminderKnown = true;
        }
    }

    private bool _certificateReminderKnown;

    /// <summary>§6.5 step 8: the cipher key Secret, read uncached; a problem stops the pass before any pod is created.</summary>
    private async Task CheckCipherKeyAsync(Shard shard)
    {
        if (shard.Spec.Backup?.Encryption is not { } encryption)
            return;
        var secret = string.IsNullOrEmpty(encryption.SecretName) ? null : await Resources.Secrets.TryGetAsync(encryption.SecretName, shard.Metadata.Namespace).ConfigureAwait(false);
        if (PgBackRestTlsRules.CheckCipherKeySecret(shard, secret) is { } problem)
        {
            await events.RecordAsync(shard, EventRecorder.Warning, "CipherKeyError", $"Failed to reconcile pgBackRest cipher key Secret: {problem}").ConfigureAwait(false);
            throw new InvalidOperationException(problem);
        }
    }

    /// <summary>Creates the Secret, or replaces its data under the read resourceVersion (a concurrent writer makes this fail and retry).</summary>
    private async Task WriteSecretAsync(Shard shard, Secret? existing, string name, Dictionary<string, string> values)
    {
        var data = values.ToDictionary(kv => kv.Key, kv => Encoding.UTF8.GetBytes(kv.Value), StringComparer.Ordinal);
        if (existing is null)
        {
            await Resources.Secrets.CreateAsync(new Secret
            {
                Metadata = new ObjectMeta
                {
                    Name = name,
                    Namespace = shard.Metadata.Namespace,
                    Labels = PgBackRestTlsRules.Labels(shard),
                    OwnerReferences = [Labels.ControllerReference(shard)],
                },
                Type = "Opaque",
                Data = data,
            }).ConfigureAwait(false);
            return;
        }

        existing.Data = data;
        await Resources.Secrets.UpdateAsync(existing).ConfigureAwait(false);
    }
}
