using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Abstractions.Grains;
using MultigresOrleans.Runtime;
using MultigresOrleans.Runtime.Membership;
using MultigresOrleans.Runtime.Transport;
using static MultigresOrleans.Webhooks.Tests.Reviews;

namespace MultigresOrleans.Webhooks.Tests;

/// <summary>
/// Stands in for the operator's TemplateGrain on a real silo (grain type <c>template</c>, HTTP/2
/// transport), answering per template name as the test scripted it: a list, a failure, or no answer.
/// </summary>
[GrainType("template")]
public sealed class ScriptedTemplateGrain : Grain, ITemplateGrain
{
    public static readonly ConcurrentDictionary<string, IReadOnlyList<string>> Answers = new(StringComparer.Ordinal);
    /// <summary>What an unanswered call waits for; each test makes a fresh one and completes it when done.</summary>
    public static TaskCompletionSource<IReadOnlyList<string>> Never { get; set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<IReadOnlyList<string>> Consumers()
    {
        var (_, _, name) = GrainKeys.ParseTemplate(GetPrimaryKeyString());
        return name switch
        {
            "unanswered" => Never.Task,
            "broken" => throw new InvalidOperationException("the informer cache has not synced"),
            _ => Task.FromResult(Answers.TryGetValue(GetPrimaryKeyString(), out var answer) ? answer : []),
        };
    }

    public Task<int> Changed() => Task.FromResult(0);
}

/// <summary>
/// The template deletion guard asking template grains through the runtime's client mode
/// (<see cref="WebhookGrainClient.Build"/> over the real HTTP/2 transport): in-use templates are refused
/// with the spec's message, unused ones allowed, and a failing or silent grain refuses the deletion
/// within the bound (fail closed). A template named <c>default</c> keeps the listing path.
/// </summary>
public sealed class GrainDeletionGuardTests : IAsyncLifetime
{
    private const string SiloName = "guard-silo";
    private static readonly byte[] Key = Encoding.UTF8.GetBytes("a test key of at least thirty-two bytes, not a secret");

    private readonly InMemoryAdmissionDataSource _listed = new();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private SiloHost _silo = null!;
    private ClusterClient _client = null!;
    private AdmissionHandler _handler = null!;

    public async Task InitializeAsync()
    {
        ScriptedTemplateGrain.Never = new(TaskCreationOptions.RunContinuationsAsynchronously);
        var directory = new StaticSiloDirectory();
        _silo = new SiloHostBuilder()
            .Configure(o => o.SiloName = SiloName)
            .AddGrain<ITemplateGrain, ScriptedTemplateGrain>()
            .UseHttp2Transport(o =>
            {
                o.SharedKey = Key;
                o.Directory = directory;
                o.SerializerOptions = WebhookGrainClient.SerializerOptions();
            })
            .Build();
        await _silo.StartAsync();
        directory.Set(SiloName, _silo.CallEndpoint!);
        // The client's own call timeout is long here, so the data source's bound (on the fake clock) is what ends a silent call.
        _client = WebhookGrainClient.Build(new LocalMembershipOracle(SiloName), directory, Key, TimeSpan.FromSeconds(30), TimeProvider.System, NullLoggerFactory.Instance);
        var data = new GrainAdmissionDataSource(_listed, _client, GrainAdmissionDataSource.DefaultTimeout, _time, NullLogger.Instance);
        _handler = new AdmissionHandler(data, new WebhookOptions());
    }

    public async Task DisposeAsync()
    {
        ScriptedTemplateGrain.Never.TrySetResult([]);
        if (_client is not null)
            await _client.DisposeAsync();
        if (_silo is not null)
        {
            await _silo.StopAsync();
            await _silo.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_template_the_grain_reports_in_use_is_refused_naming_the_first_consumer()
    {
        ScriptedTemplateGrain.Answers[GrainKeys.Template(ApiConstants.CoreTemplateKind, "guard-a", "prod-core")] = ["beta", "alpha"];
        var outcome = await DeleteAsync(ApiConstants.CoreTemplateKind, "guard-a", "prod-core");
        Assert.False(outcome.Allowed);
        Assert.Equal("cannot delete CoreTemplate 'prod-core' because it is in use by MultigresCluster 'alpha'", outcome.Message);
    }

    [Fact]
    public async Task A_template_without_consumers_may_be_deleted_even_when_a_listed_cluster_would_say_otherwise()
    {
        // The listing is not consulted for a non-default name: the grain's word decides.
        _listed.Clusters.Add(ClusterUsingShardTemplate("guard-b", "lister", "spare"));
        var outcome = await DeleteAsync(ApiConstants.ShardTemplateKind, "guard-b", "spare");
        Assert.True(outcome.Allowed, outcome.Message);
    }

    [Fact]
    public async Task A_failing_grain_call_refuses_the_deletion()
    {
        var outcome = await DeleteAsync(ApiConstants.ShardTemplateKind, "guard-c", "broken");
        Assert.False(outcome.Allowed);
        Assert.StartsWith("cannot verify that ShardTemplate 'broken' is unused, so the deletion is refused: the template grain call failed: ", outcome.Message, StringComparison.Ordinal);
        Assert.Contains("the informer cache has not synced", outcome.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_grain_that_does_not_answer_refuses_the_deletion_when_the_bound_passes()
    {
        var pending = DeleteAsync(ApiConstants.CellTemplateKind, "guard-d", "unanswered");
        var deadline = _time.GetUtcNow() + GrainAdmissionDataSource.DefaultTimeout;
        await _time.WhenArmed(deadline);
        Assert.False(pending.IsCompleted, "the guard answered before its bound passed");

        _time.Advance(GrainAdmissionDataSource.DefaultTimeout);
        var outcome = await pending.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.False(outcome.Allowed);
        Assert.Equal("cannot verify that CellTemplate 'unanswered' is unused, so the deletion is refused: the template grain did not answer within 2 s; retry when the operator is running", outcome.Message);
        Assert.True(GrainAdmissionDataSource.DefaultTimeout < new WebhookOptions().RequestTimeout / 2);
    }

    [Fact]
    public async Task A_template_named_default_is_judged_from_the_listed_clusters()
    {
        ScriptedTemplateGrain.Answers[GrainKeys.Template(ApiConstants.ShardTemplateKind, "guard-e", "default")] = [];
        _listed.Clusters.Add(ClusterUsingShardTemplate("guard-e", "explicit-user", "default"));
        var outcome = await DeleteAsync(ApiConstants.ShardTemplateKind, "guard-e", "default");
        Assert.False(outcome.Allowed);
        Assert.Equal("cannot delete ShardTemplate 'default' because it is in use by MultigresCluster 'explicit-user'", outcome.Message);
    }

    [Fact]
    public async Task Without_a_key_file_there_is_no_grain_client_and_a_short_key_is_refused_clearly()
    {
        Assert.Null(await WebhookGrainClient.FromEnvironmentAsync(_ => null, "multigres-operator", NullLoggerFactory.Instance));

        var shortKey = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(shortKey, new byte[8]);
            var error = await Assert.ThrowsAsync<InvalidOperationException>(() => WebhookGrainClient.FromEnvironmentAsync(
                name => name == "GRAIN_CLUSTER_KEY_FILE" ? shortKey : null, "multigres-operator", NullLoggerFactory.Instance));
            Assert.Equal($"GRAIN_CLUSTER_KEY_FILE '{shortKey}' holds 8 bytes; the grain cluster key needs at least 32", error.Message);
        }
        finally
        {
            File.Delete(shortKey);
        }
    }

    private Task<AdmissionOutcome> DeleteAsync(string kind, string ns, string name)
    {
        var review = Review("DELETE", null, old: Reviews.Object(kind, ns, name));
        var request = AdmissionReviewCodec.Parse(Encoding.UTF8.GetBytes(review.ToJsonString()));
        return _handler.ValidateAsync(kind, request, CancellationToken.None);
    }

    private static MultigresCluster ClusterUsingShardTemplate(string ns, string name, string template) => new()
    {
        Metadata = new() { Name = name, Namespace = ns },
        Spec = new MultigresClusterSpec
        {
            PostgresPasswordSecretRef = new PostgresPasswordSecretRef { Name = "password", Key = "password" },
            TemplateDefaults = new TemplateDefaults { ShardTemplate = template },
        },
    };
}
