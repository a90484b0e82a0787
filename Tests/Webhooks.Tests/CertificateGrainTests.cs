using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using MultigresOrleans.Grains.Abstractions.Grains;
using MultigresOrleans.Grains.Certificates;
using MultigresOrleans.Grains.Operator;
using MultigresOrleans.KubeSim;
using MultigresOrleans.Kubernetes.Client;
using MultigresOrleans.Kubernetes.Models;
using MultigresOrleans.Runtime;

namespace MultigresOrleans.Webhooks.Tests;

/// <summary>
/// <see cref="CertificateGrain"/> in a real single-silo host on a fake clock, against its own KubeSim
/// (the webhook configurations are cluster-scoped, so each test gets a fresh server): it creates the PKI,
/// keeps it while valid, records <c>Rotated</c> exactly when it replaces the serving certificate, re-applies
/// the CA bundle after a CA change, and does nothing at all in cert-manager mode.
/// </summary>
public sealed class CertificateGrainTests : IAsyncLifetime
{
    private const string Namespace = "multigres-operator";
    private const string Service = CertificateGrainKeys.DefaultWebhookService;
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "certificate-grain-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly FakeTimeProvider _clock = new(Start);
    private readonly WebhookPkiOptions _names = new();
    private KubeSimServer _sim = null!;
    private KubernetesClient _client = null!;
    private SiloHost? _silo;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        var kubeconfig = Path.Combine(_directory, "kubeconfig");
        _sim = await KubeSimServer.StartAsync(new KubeSimOptions { Https = true, KubeconfigOut = kubeconfig }, TimeProvider.System);
        _client = new KubernetesClient(KubernetesClientConfiguration.FromKubeConfigFile(kubeconfig), KubernetesAdmissionDataSource.ClientOptions);
        await _client.Dynamic(KnownResources.Namespaces).CreateAsync(new JsonObject
        {
            ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = Namespace },
        });
    }

    public async Task DisposeAsync()
    {
        if (_silo is not null)
        {
            await _silo.StopAsync();
            await _silo.DisposeAsync();
        }
        _client?.Dispose();
        if (_sim is not null)
            await _sim.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task The_grain_creates_keeps_and_rotates_and_records_Rotated_exactly_when_it_rotates()
    {
        await CreateConfigurationsAsync(selfSigned: true);
        // A period beyond the test's horizon: only the explicit checks run, so each result is the grain's whole answer.
        var grain = await StartSiloAsync(new CertificateGrainOptions { CheckPeriod = TimeSpan.FromDays(365 * 100) });

        var created = await grain.Check();
        Assert.Equal(new CertificateCheckResult(true, "Create", "Create", "no serving certificate stored"), created);
        Assert.Equal(["Generated new webhook CA certificate on multigres-operator-ca-secret", "Generated new webhook server certificate on multigres-webhook-certs"],
            await EventsAsync("Generated"));
        Assert.Empty(await EventsAsync("Rotated"));
        var ca1 = await SecretValueAsync(_names.CaSecretName, "ca.crt");
        var leaf1 = await SecretValueAsync(_names.ServingSecretName, "tls.crt");
        Assert.Equal([ca1, ca1], await CaBundlesAsync());

        _clock.Advance(TimeSpan.FromDays(300));
        var kept = await grain.Check();
        Assert.Equal(("Keep", "Keep", false), (kept.AuthorityAction, kept.ServingAction, kept.Rotated));
        Assert.Empty(await EventsAsync("Rotated"));
        Assert.Equal(leaf1, await SecretValueAsync(_names.ServingSecretName, "tls.crt"));

        // 340 days into a one-year leaf: inside the 30-day window, so the leaf (only) is replaced.
        _clock.Advance(TimeSpan.FromDays(40));
        var rotated = await grain.Check();
        Assert.Equal(("Keep", "Replace", true), (rotated.AuthorityAction, rotated.ServingAction, rotated.Rotated));
        Assert.Equal(["Rotated webhook server certificate on multigres-webhook-certs"], await EventsAsync("Rotated"));
        var events = await EventListAsync();
        var rotatedEvent = Assert.Single(events, e => e.Reason == "Rotated");
        Assert.Equal(("Normal", "Secret", "cert-rotator"), (rotatedEvent.Type, rotatedEvent.InvolvedObject.Kind, rotatedEvent.Source?["component"]?.GetValue<string>()));
        var leaf2 = await SecretValueAsync(_names.ServingSecretName, "tls.crt");
        Assert.NotEqual(leaf1, leaf2);
        Assert.Equal([ca1, ca1], await CaBundlesAsync());

        var again = await grain.Check();
        Assert.Equal(("Keep", "Keep"), (again.AuthorityAction, again.ServingAction));
        Assert.Single(await EventsAsync("Rotated"));

        // Twenty days before the ten-year CA ends: a new CA, a new leaf it signed, both CA bundles re-applied.
        _clock.Advance(CertificateFactory.CaValidity - TimeSpan.FromDays(340 + 20));
        var renewed = await grain.Check();
        Assert.Equal(("Replace", "Replace", true), (renewed.AuthorityAction, renewed.ServingAction, renewed.Rotated));
        var ca2 = await SecretValueAsync(_names.CaSecretName, "ca.crt");
        Assert.NotEqual(ca1, ca2);
        Assert.Equal([ca2, ca2], await CaBundlesAsync());
        Assert.Equal(2, (await EventsAsync("Rotated")).Count);
        Assert.Equal(3, (await EventsAsync("Generated")).Count);
    }

    [Fact]
    public async Task In_cert_manager_mode_neither_a_check_nor_the_reminder_touches_anything()
    {
        const string injected = "Y2VydC1tYW5hZ2VyIGluamVjdHMgdGhpcw==";
        await CreateConfigurationsAsync(selfSigned: false, caBundle: injected);
        var grain = await StartSiloAsync(options: null);

        var result = await grain.Check();
        Assert.False(result.SelfSigned);
        Assert.Equal(("", ""), (result.AuthorityAction, result.ServingAction));

        // The hourly reminder (armed by the activation) ticks once, on the fake clock, and also does nothing.
        await _clock.WhenArmed(Start + TimeSpan.FromHours(1));
        _clock.Advance(TimeSpan.FromHours(1));
        await _clock.WhenArmed(Start + TimeSpan.FromHours(2));

        var secrets = _client.Resource(KnownResources.Secrets, KubernetesJsonContext.Default.Secret);
        Assert.Null(await secrets.TryGetAsync(_names.CaSecretName, Namespace));
        Assert.Null(await secrets.TryGetAsync(_names.ServingSecretName, Namespace));
        Assert.Empty(await EventListAsync());
        Assert.Equal([Encoding.UTF8.GetString(Convert.FromBase64String(injected)), Encoding.UTF8.GetString(Convert.FromBase64String(injected))], await CaBundlesAsync());
    }

    [Fact]
    public async Task The_hourly_reminder_runs_the_check_without_being_called()
    {
        await CreateConfigurationsAsync(selfSigned: true);
        var grain = await StartSiloAsync(options: null);
        await grain.EnsureReminder();
        await _clock.WhenArmed(Start + TimeSpan.FromHours(1));
        Assert.Empty(await EventListAsync());

        _clock.Advance(TimeSpan.FromHours(1));
        await _clock.WhenArmed(Start + TimeSpan.FromHours(2));

        Assert.Equal(2, (await EventsAsync("Generated")).Count);
        var ca = await SecretValueAsync(_names.CaSecretName, "ca.crt");
        Assert.Equal([ca, ca], await CaBundlesAsync());
    }

    [Fact]
    public async Task The_webhooks_secret_sync_rewrites_the_files_on_its_next_poll_only_when_the_secret_changed()
    {
        await CreateConfigurationsAsync(selfSigned: true);
        var grain = await StartSiloAsync(new CertificateGrainOptions { CheckPeriod = TimeSpan.FromDays(365 * 100) });
        await grain.Check();
        var certs = Path.Combine(_directory, "certs");
        var pollClock = new FakeTimeProvider(Start);
        var reloads = 0;
        await using var sync = new ServingSecretSync(_client, new WebhookPkiOptions { Namespace = Namespace }, certs, pollClock,
            Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, written: () => Interlocked.Increment(ref reloads));
        sync.Start();

        pollClock.Advance(sync.Period);
        await Eventually.WaitUntil(() => sync.Writes == 1, "the first poll to write the pair", () => $"{sync.Writes} writes");
        var leaf1 = await SecretValueAsync(_names.ServingSecretName, "tls.crt");
        Assert.Equal(leaf1, File.ReadAllText(Path.Combine(certs, "tls.crt")));

        // Unchanged Secret: nothing to write.
        Assert.False(await sync.SyncOnceAsync());
        Assert.Equal(1, sync.Writes);

        _clock.Advance(TimeSpan.FromDays(340));
        Assert.True((await grain.Check()).Rotated);
        pollClock.Advance(sync.Period);
        await Eventually.WaitUntil(() => sync.Writes == 2, "the poll after the rotation to write the new pair", () => $"{sync.Writes} writes");
        var leaf2 = await SecretValueAsync(_names.ServingSecretName, "tls.crt");
        Assert.NotEqual(leaf1, leaf2);
        Assert.Equal(leaf2, File.ReadAllText(Path.Combine(certs, "tls.crt")));
        Assert.Equal(await SecretValueAsync(_names.ServingSecretName, "tls.key"), File.ReadAllText(Path.Combine(certs, "tls.key")));
        Assert.Equal(2, reloads);
    }

    private async Task<ICertificateGrain> StartSiloAsync(CertificateGrainOptions? options)
    {
        var builder = new SiloHostBuilder()
            .Configure(o => o.SiloName = "certificate-test")
            .UseTimeProvider(_clock)
            .AddGrain<ICertificateGrain, CertificateGrain>();
        builder.Services.AddSingleton(new OperatorResources(_client));
        if (options is not null)
            builder.Services.AddSingleton(options);
        _silo = builder.Build();
        await _silo.StartAsync();
        return _silo.GrainFactory.GetGrain<ICertificateGrain>(CertificateGrainKeys.Webhook(Namespace, Service));
    }

    private async Task CreateConfigurationsAsync(bool selfSigned, string? caBundle = null)
    {
        foreach (var (resource, configuration) in new[]
        {
            (KnownResources.MutatingWebhookConfigurations, WebhookConfigurations.Mutating(Namespace, Service, caBundle)),
            (KnownResources.ValidatingWebhookConfigurations, WebhookConfigurations.ValidatingConfiguration(Namespace, Service, caBundle)),
        })
        {
            if (selfSigned)
                configuration["metadata"]!["annotations"] = new JsonObject { ["multigres.com/cert-strategy"] = "self-signed" };
            await _client.Dynamic(resource).CreateAsync(configuration);
        }
    }

    private async Task<string> SecretValueAsync(string name, string key)
    {
        var secret = await _client.Resource(KnownResources.Secrets, KubernetesJsonContext.Default.Secret).GetAsync(name, Namespace);
        return Encoding.UTF8.GetString(secret.Data![key]);
    }

    /// <summary>The decoded caBundle of every webhook of both configurations.</summary>
    private async Task<List<string>> CaBundlesAsync()
    {
        var bundles = new List<string>();
        foreach (var (resource, name) in new[] { (KnownResources.MutatingWebhookConfigurations, _names.MutatingConfiguration), (KnownResources.ValidatingWebhookConfigurations, _names.ValidatingConfiguration) })
        {
            var configuration = await _client.Dynamic(resource).GetAsync(name);
            bundles.AddRange(configuration["webhooks"]!.AsArray().Select(w => Encoding.UTF8.GetString(Convert.FromBase64String(w!["clientConfig"]!["caBundle"]!.GetValue<string>()))).Distinct());
        }
        return bundles;
    }

    private async Task<IReadOnlyList<CoreEvent>> EventListAsync() =>
        (await _client.Resource(KnownResources.Events, KubernetesJsonContext.Default.CoreEvent).ListAsync(Namespace)).Items;

    private async Task<List<string>> EventsAsync(string reason) =>
        [.. (await EventListAsync()).Where(e => e.Reason == reason).Select(e => $"{e.Message} on {e.InvolvedObject.Name}").Order(StringComparer.Ordinal)];
}
