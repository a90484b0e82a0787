using Microsoft.Extensions.Logging;
using MultigresOrleans.Kubernetes.Client;
using MultigresOrleans.Webhooks;

// The admission process (its own Deployment, separate from the silos): settings from environment
// variables, then the §9.2 certificate decision (self-signed bootstrap, or serve an externally
// managed pair as mounted), then serve until stopped.
var options = new WebhookOptions
{
    OperatorUser = Environment.GetEnvironmentVariable("WEBHOOK_OPERATOR_USER") is { Length: > 0 } user ? user : WebhookOptions.DefaultOperatorUser,
    CertDirectory = Environment.GetEnvironmentVariable("WEBHOOK_CERT_DIR") is { Length: > 0 } dir ? dir : "/var/run/secrets/webhook",
    Port = int.TryParse(Environment.GetEnvironmentVariable("WEBHOOK_PORT"), out var port) ? port : 9443,
    OtlpEndpoint = Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT"),
};
using var loggerFactory = LoggerFactory.Create(b => b.AddSimpleConsole());
var logger = loggerFactory.CreateLogger("MultigresOrleans.Webhooks");
using var client = new KubernetesClient(KubernetesClientConfiguration.Default(), KubernetesAdmissionDataSource.ClientOptions);

var bootstrapOptions = new CertificateBootstrapOptions
{
    Namespace = Environment.GetEnvironmentVariable("WEBHOOK_NAMESPACE") is { Length: > 0 } ns ? ns
        : Environment.GetEnvironmentVariable("POD_NAMESPACE") is { Length: > 0 } podNs ? podNs : "multigres-operator",
    ServiceName = Environment.GetEnvironmentVariable("WEBHOOK_SERVICE_NAME") is { Length: > 0 } service ? service : "multigres-operator-webhook-service",
    CertDirectory = options.CertDirectory,
};
var configurations = new[]
{
    await client.Dynamic(KnownResources.MutatingWebhookConfigurations).TryGetAsync(bootstrapOptions.MutatingConfiguration),
    await client.Dynamic(KnownResources.ValidatingWebhookConfigurations).TryGetAsync(bootstrapOptions.ValidatingConfiguration),
};
var decision = CertificateModeRules.Decide(options.CertDirectory, configurations, Environment.GetEnvironmentVariable("WEBHOOK_SELF_SIGNED"));
Log.CertificateMode(logger, decision.Mode.ToString(), decision.Reason);
await using var secretSync = decision.Mode == CertificateMode.SelfSigned
    ? await BootstrapAsync(client, bootstrapOptions, loggerFactory)
    : null;
using var certificate = new ReloadingCertificate(options.CertDirectory, loggerFactory.CreateLogger<ReloadingCertificate>());
// The certificate grain rotates the Secret later; with a writable directory nobody else would notice.
secretSync?.Start();

// Template grains (the deletion guard) through the runtime's client mode when a grain cluster is
// configured; otherwise, and for everything else, straight from the API server.
IAdmissionDataSource data = new KubernetesAdmissionDataSource(client);
await using var grains = await WebhookGrainClient.FromEnvironmentAsync(Environment.GetEnvironmentVariable, bootstrapOptions.Namespace, loggerFactory);
if (grains is not null)
    data = new GrainAdmissionDataSource(data, grains.Client, grains.CallTimeout, TimeProvider.System, loggerFactory.CreateLogger<GrainAdmissionDataSource>());

await using var app = WebhookServer.Build(options, data, certificate, args: args);
await app.RunAsync();

// §9.2 self-signed: ensure the PKI, then serve it — written here when the directory is writable
// (development, sandbox, tests; the returned sync keeps it current after rotations), else projected
// by the kubelet from the Secret (a pod's read-only Secret volume; the reference's WaitForProjection).
static async Task<ServingSecretSync?> BootstrapAsync(KubernetesClient client, CertificateBootstrapOptions bootstrapOptions, ILoggerFactory loggerFactory)
{
    var bootstrap = new CertificateBootstrap(client, bootstrapOptions, TimeProvider.System, loggerFactory.CreateLogger<CertificateBootstrap>());
    var writable = CertificateModeRules.IsWritable(bootstrapOptions.CertDirectory);
    var (_, serving) = await bootstrap.EnsureAsync(writeCertDirectory: writable);
    if (!writable)
    {
        await WaitForProjectionAsync(bootstrapOptions.CertDirectory, serving.CertificatePem, TimeSpan.FromMinutes(3));
        return null;
    }
    return new ServingSecretSync(client, bootstrapOptions, bootstrapOptions.CertDirectory, TimeProvider.System, loggerFactory.CreateLogger<ServingSecretSync>());
}

static async Task WaitForProjectionAsync(string directory, string certificatePem, TimeSpan deadline)
{
    var path = Path.Combine(directory, CertificateModeRules.CertificateFile);
    var started = TimeProvider.System.GetTimestamp();
    using var poll = new PeriodicTimer(TimeSpan.FromSeconds(1));
    while (!(File.Exists(path) && string.Equals((await File.ReadAllTextAsync(path)).Trim(), certificatePem.Trim(), StringComparison.Ordinal)))
    {
        if (TimeProvider.System.GetElapsedTime(started) > deadline)
            throw new TimeoutException($"the serving certificate was not projected into {directory} within {deadline.TotalSeconds:0} s; is Secret multigres-webhook-certs mounted there?");
        await poll.WaitForNextTickAsync();
    }
}
