using Microsoft.Extensions.Logging;
using MultigresOrleans.Kubernetes.Client;
using MultigresOrleans.Webhooks;

// The admission process (its own Deployment, separate from the silos): settings from environment
// variables, then ensure the PKI when asked to, then serve until stopped.
var options = new WebhookOptions
{
    OperatorUser = Environment.GetEnvironmentVariable("WEBHOOK_OPERATOR_USER") is { Length: > 0 } user ? user : WebhookOptions.DefaultOperatorUser,
    CertDirectory = Environment.GetEnvironmentVariable("WEBHOOK_CERT_DIR") is { Length: > 0 } dir ? dir : "/var/run/secrets/webhook",
    Port = int.TryParse(Environment.GetEnvironmentVariable("WEBHOOK_PORT"), out var port) ? port : 9443,
};
using var loggerFactory = LoggerFactory.Create(b => b.AddSimpleConsole());
using var client = new KubernetesClient(KubernetesClientConfiguration.Default(), KubernetesAdmissionDataSource.ClientOptions);
if (Environment.GetEnvironmentVariable("WEBHOOK_SELF_SIGNED") == "true")
{
    var bootstrap = new CertificateBootstrap(client, new CertificateBootstrapOptions
    {
        Namespace = Environment.GetEnvironmentVariable("WEBHOOK_NAMESPACE") ?? "multigres-operator",
        CertDirectory = options.CertDirectory,
    }, TimeProvider.System, loggerFactory.CreateLogger<CertificateBootstrap>());
    await bootstrap.EnsureAsync(writeCertDirectory: true);
}
using var certificate = new ReloadingCertificate(options.CertDirectory, loggerFactory.CreateLogger<ReloadingCertificate>());
await using var app = WebhookServer.Build(options, new KubernetesAdmissionDataSource(client), certificate, args: args);
await app.RunAsync();
