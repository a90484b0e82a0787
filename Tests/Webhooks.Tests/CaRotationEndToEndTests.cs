using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using MultigresOrleans.Grains.Abstractions.Grains;
using MultigresOrleans.Grains.Certificates;
using MultigresOrleans.Grains.Operator;
using MultigresOrleans.Kubernetes.Client;
using MultigresOrleans.Kubernetes.Models;
using MultigresOrleans.Runtime;
using Xunit.Abstractions;

namespace MultigresOrleans.Webhooks.Tests;

/// <summary>
/// A CA rotation driven by fake time, end to end: KubeSim (which trusts the webhook only through each
/// configuration's caBundle), the real kubectl, the webhook server with its Secret sync, and the
/// certificate grain in a real silo whose hourly reminder fires on a fake clock.
/// <para>
/// KubeSim verifies the serving certificate on the real clock, so the fake clocks are anchored to now:
/// the PKI's history is written as it would have been — a CA made ten years ago that ends 30 days and
/// 3.5 hours from now, and a leaf it signed three days ago — and the silo's clock starts four hours ago,
/// half an hour before the CA enters its 30-day window. One reminder tick later the grain replaces the
/// CA and the leaf and re-applies both CA bundles; the webhook picks the new pair up from the Secret;
/// kubectl is admitted before and after.
/// </para>
/// </summary>
public sealed class CaRotationEndToEndTests(EndToEndFixture fixture, ITestOutputHelper output) : IClassFixture<EndToEndFixture>
{
    private static string MinimalYaml => File.ReadAllText(Path.Combine(RepositoryPaths.Samples, "minimal.yaml"));

    [Fact]
    public async Task Admission_keeps_working_across_a_CA_rotation_fired_by_the_grains_reminder()
    {
        var anchor = DateTimeOffset.UtcNow;
        var caEnds = anchor + PkiRules.RenewBefore - TimeSpan.FromHours(3.5);
        var names = new WebhookPkiOptions { Namespace = EndToEndFixture.OperatorNamespace };
        var secrets = fixture.Client.Resource(KnownResources.Secrets, KubernetesJsonContext.Default.Secret);

        // The history: a fresh PKI ten years ago, its leaf renewed three days ago (the CA is kept: 33 days left).
        await secrets.DeleteAsync(names.CaSecretName, names.Namespace);
        await secrets.DeleteAsync(names.ServingSecretName, names.Namespace);
        var history = new FakeTimeProvider(caEnds - CertificateFactory.CaValidity);
        var pki = new WebhookPki(fixture.Client, names, history, NullLogger.Instance);
        var created = await pki.EnsureAsync();
        history.Advance(anchor - TimeSpan.FromDays(3) - history.GetUtcNow());
        var renewed = await pki.EnsureAsync();
        Assert.Equal((CertificateAction.Keep, CertificateAction.Replace), (renewed.AuthorityDecision.Action, renewed.ServingDecision.Action));
        Assert.Equal(created.Authority, renewed.Authority);
        await fixture.SecretSync.SyncOnceAsync(); // the same code the poll runs
        await ServedAsync(renewed.Serving, "the renewed leaf");
        Assert.Equal([renewed.Authority.CertificatePem, renewed.Authority.CertificatePem], await CaBundlesAsync());

        var before = await fixture.Kubectl.RunAsync(["apply", "-f", "-"], MinimalYaml.Replace("name: minimal", "name: before-rotation", StringComparison.Ordinal));
        Assert.True(before.ExitCode == 0, before.ToString());

        // The grain, in a silo on its own fake clock: nothing is due yet; the reminder's first tick is.
        var clock = new FakeTimeProvider(anchor - TimeSpan.FromHours(4));
        var builder = new SiloHostBuilder()
            .Configure(o => o.SiloName = "rotation-silo")
            .UseTimeProvider(clock)
            .AddGrain<ICertificateGrain, CertificateGrain>();
        builder.Services.AddSingleton(new OperatorResources(fixture.Client));
        await using var silo = builder.Build();
        await silo.StartAsync();
        var grain = silo.GrainFactory.GetGrain<ICertificateGrain>(CertificateGrainKeys.Webhook(EndToEndFixture.OperatorNamespace));
        var early = await grain.Check();
        Assert.Equal(("Keep", "Keep"), (early.AuthorityAction, early.ServingAction));
        var rotationsBefore = await RotatedEventsAsync();

        var firstTick = clock.GetUtcNow() + CertificateGrainOptions.Default.CheckPeriod;
        await clock.WhenArmed(firstTick);
        clock.Advance(CertificateGrainOptions.Default.CheckPeriod);
        await clock.WhenArmed(firstTick + CertificateGrainOptions.Default.CheckPeriod); // the tick's turn finished

        var ca = await SecretAsync(names.CaSecretName, PkiRules.CaCertificateKey);
        var leaf = new PemKeyPair(await SecretAsync(names.ServingSecretName, PkiRules.TlsCertificateKey), await SecretAsync(names.ServingSecretName, PkiRules.TlsPrivateKeyKey));
        Assert.NotEqual(renewed.Authority.CertificatePem, ca);
        Assert.NotEqual(renewed.Serving.CertificatePem, leaf.CertificatePem);
        Assert.Equal([ca, ca], await CaBundlesAsync());
        Assert.Equal(rotationsBefore + 1, await RotatedEventsAsync());

        // The webhook notices the Secret on its next poll and serves the new leaf to new connections.
        fixture.SyncTime.Advance(fixture.SecretSync.Period);
        await ServedAsync(leaf, "the leaf the grain issued");

        var after = await fixture.Kubectl.RunAsync(["apply", "-f", "-"], MinimalYaml.Replace("name: minimal", "name: after-rotation", StringComparison.Ordinal));
        output.WriteLine(after.ToString());
        Assert.True(after.ExitCode == 0, after.ToString());
        // Both went through the mutating webhook: stored fully defaulted, identically.
        var clusters = fixture.Client.Dynamic(new ApiResource("multigres.com", "v1alpha1", "multigresclusters", true, "MultigresCluster"));
        var storedBefore = await clusters.GetAsync("before-rotation", "default");
        var storedAfter = await clusters.GetAsync("after-rotation", "default");
        Assert.NotNull(storedAfter["spec"]!["globalTopoServer"]);
        Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals(storedBefore["spec"], storedAfter["spec"]), storedAfter["spec"]!.ToJsonString());
        await silo.StopAsync();
    }

    /// <summary>Waits until the webhook serves <paramref name="pair"/> (the sync wrote it and the reloader loaded it).</summary>
    private async Task ServedAsync(PemKeyPair pair, string what)
    {
        var expected = Thumbprint(pair);
        await Eventually.WaitUntil(() => fixture.Certificate.Current?.Thumbprint == expected,
            $"the webhook to serve {what} ({expected})", () => fixture.Certificate.Current?.Thumbprint ?? "none");
    }

    private static string Thumbprint(PemKeyPair pair)
    {
        using var certificate = X509Certificate2.CreateFromPem(pair.CertificatePem);
        return certificate.Thumbprint;
    }

    private async Task<string> SecretAsync(string name, string key)
    {
        var secret = await fixture.Client.Resource(KnownResources.Secrets, KubernetesJsonContext.Default.Secret).GetAsync(name, EndToEndFixture.OperatorNamespace);
        return Encoding.UTF8.GetString(secret.Data![key]);
    }

    private async Task<int> RotatedEventsAsync() =>
        (await fixture.Client.Resource(KnownResources.Events, KubernetesJsonContext.Default.CoreEvent).ListAsync(EndToEndFixture.OperatorNamespace)).Items
            .Count(e => e.Reason == "Rotated" && e.InvolvedObject.Name == "multigres-webhook-certs");

    private async Task<List<string>> CaBundlesAsync()
    {
        var bundles = new List<string>();
        foreach (var resource in new[] { KnownResources.MutatingWebhookConfigurations, KnownResources.ValidatingWebhookConfigurations })
        {
            foreach (var configuration in (await fixture.Client.Dynamic(resource).ListAsync()).Items)
                bundles.AddRange(configuration["webhooks"]!.AsArray().Select(w => Encoding.UTF8.GetString(Convert.FromBase64String(w!["clientConfig"]!["caBundle"]!.GetValue<string>()))).Distinct());
        }
        return bundles;
    }
}
