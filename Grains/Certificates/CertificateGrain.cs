using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MultigresOrleans.Grains.Abstractions.Grains;
using MultigresOrleans.Grains.Operator;
using MultigresOrleans.Runtime;

namespace MultigresOrleans.Grains.Certificates;

/// <summary>Knobs of <see cref="CertificateGrain"/>; register an instance in the silo's services to change them (tests).</summary>
public sealed class CertificateGrainOptions
{
    public static readonly CertificateGrainOptions Default = new();

    /// <summary>How often the PKI is checked (spec §9.1 RotationInterval, 1 h). Also the reminder's first due time.</summary>
    public TimeSpan CheckPeriod { get; init; } = TimeSpan.FromHours(1);
}

/// <summary>
/// Spec §9.1's background rotation loop as a grain: a durable hourly reminder (so a silo restart or a
/// partition move never loses the schedule, and exactly one silo runs it) that re-checks the webhook
/// PKI through <see cref="WebhookPki"/> — the same code the webhook runs at start — and therefore
/// rotates 30 days before expiry, re-applies the CA bundle and records the <c>Generated</c>/<c>Rotated</c>
/// events. In cert-manager mode the check does nothing: the grain cannot see the webhook pod's
/// certificate directory, so it relies on the strategy annotation the webhook's self-signed bootstrap
/// writes (<see cref="WebhookPkiRules.SelfSignedAnnotated"/>); the reminder keeps ticking so a later
/// switch to self-signed is picked up within the hour.
/// </summary>
public sealed partial class CertificateGrain(OperatorResources resources, IServiceProvider services, ILogger<CertificateGrain> logger)
    : Grain, ICertificateGrain, IRemindable
{
    public const string ReminderName = "webhook-certificates";

    // Optional in the silo's services: the runtime resolves constructor parameters strictly.
    private readonly CertificateGrainOptions _options = services.GetService<CertificateGrainOptions>() ?? CertificateGrainOptions.Default;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Idempotent: an existing row (this grain's earlier activations, another silo's) is left as it is.
        if (await GetReminder(ReminderName).ConfigureAwait(false) is null)
        {
            await RegisterOrUpdateReminder(ReminderName, _options.CheckPeriod, _options.CheckPeriod).ConfigureAwait(false);
            Log.ReminderRegistered(logger, GetPrimaryKeyString(), _options.CheckPeriod);
        }
    }

    /// <summary>Activation registered the reminder; nothing else to do.</summary>
    public Task EnsureReminder() => Task.CompletedTask;

    public Task<CertificateCheckResult> Check() => CheckAsync();

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != ReminderName)
            return;
        // A failed check is logged by the reminder service and retried at the next tick, an hour later;
        // the certificates have 30 days of margin.
        await CheckAsync().ConfigureAwait(false);
    }

    private async Task<CertificateCheckResult> CheckAsync()
    {
        var (ns, service) = GrainKeys.Parse(GetPrimaryKeyString());
        var pki = new WebhookPki(resources.Client, new WebhookPkiOptions { Namespace = ns, ServiceName = service, Instance = Instance() }, TimeProvider, logger);
        var configurations = await pki.ReadConfigurationsAsync().ConfigureAwait(false);
        if (!WebhookPkiRules.SelfSignedAnnotated(configurations, out var annotated))
        {
            Log.External(logger, GetPrimaryKeyString());
            return new CertificateCheckResult(false, "", "", "no webhook configuration is annotated multigres.com/cert-strategy: self-signed; the certificates are managed externally");
        }

        var result = await pki.EnsureAsync().ConfigureAwait(false);
        Log.Checked(logger, GetPrimaryKeyString(), annotated!, result.AuthorityDecision.Action.ToString(), result.ServingDecision.Action.ToString());
        return new CertificateCheckResult(true, result.AuthorityDecision.Action.ToString(), result.ServingDecision.Action.ToString(), result.ServingDecision.Reason);
    }

    private string Instance() => services.GetService<OperatorOptions>()?.Instance ?? Environment.MachineName;

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "certificate grain {Key}: reminder registered, every {Period}")]
        public static partial void ReminderRegistered(ILogger logger, string key, TimeSpan period);

        [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "certificate grain {Key}: certificates are managed externally, nothing to do")]
        public static partial void External(ILogger logger, string key);

        [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "certificate grain {Key} ({Configuration} is self-signed): CA {Authority}, serving {Serving}")]
        public static partial void Checked(ILogger logger, string key, string configuration, string authority, string serving);
    }
}

/// <summary>What a silo does for the certificate grain at start.</summary>
public static partial class CertificateGrainStartup
{
    /// <summary>
    /// Activates the webhook's certificate grain once so its reminder exists (every silo calls this;
    /// the call routes to the owner and is idempotent). Never throws: a failure is logged, and the next
    /// silo start tries again — the webhook's own start-up bootstrap covers the time until then.
    /// <c>WEBHOOK_SERVICE_NAME</c> names the Service as it does for the webhook process.
    /// </summary>
    public static async Task EnsureReminderAsync(IGrainFactory grains, string @namespace, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(grains);
        var key = CertificateGrainKeys.Webhook(@namespace, Environment.GetEnvironmentVariable("WEBHOOK_SERVICE_NAME"));
        try
        {
            await grains.GetGrain<ICertificateGrain>(key).EnsureReminder().ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Start-up must not fail on this; the reason is logged.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Log.EnsureFailed(logger, key, e.GetType().Name, e.Message);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 10, Level = LogLevel.Warning, Message = "could not activate certificate grain {Key}: {Type}: {Error}")]
        public static partial void EnsureFailed(ILogger logger, string key, string type, string error);
    }
}
