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
if (decision.Mode == CertificateMode.SelfSigned)
{
    var bootstrap = new CertificateBootstrap(client, bootstrapOptions, TimeProvider.System, loggerFactory.CreateLogger<CertificateBootstrap>());
    // Development and tests write the pair themselves; in a pod the Secret volume is read-only and
    // the kubelet projects the Secret the bootstrap just wrote (the reference's WaitForProjection).
    var writable = CertificateModeRules.IsWritable(options.CertDirectory);
    var (_, serving) = await bootstrap.EnsureAsync(writeCertDirectory: writable);
    if (!writable)
        await WaitForProjectionAsync(options.CertDirectory, serving.CertificatePem, TimeSpan.FromMinutes(3));
}
using var certificate = new ReloadingCertificate(options.CertDirectory, loggerFactory.CreateLogger<ReloadingCertificate>());
await using var app = WebhookServer.Build(options, new KubernetesAdmissionDataSource(client), certificate, args: args);
await app.RunAsync();

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
