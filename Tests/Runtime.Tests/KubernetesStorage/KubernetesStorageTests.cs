using MultigresOrleans.Kubernetes.Client;
using MultigresOrleans.Kubernetes.Models;
using MultigresOrleans.Runtime.Reminders;
using MultigresOrleans.Runtime.Storage.Kubernetes;

namespace MultigresOrleans.Runtime.Tests.KubernetesStorage;

[Collection(KubeSimCollection.Name)]
public sealed class KubernetesStorageContractTests(KubeSimFixture kube) : StorageContract, IAsyncLifetime
{
    private KubernetesGrainStorage? storage;

    protected override IGrainStorage Storage => storage ?? throw new InvalidOperationException("not initialised");

    public async Task InitializeAsync() =>
        storage = new KubernetesGrainStorage(new KubernetesStorageOptions { Client = kube.Client, Namespace = await kube.NewNamespaceAsync("state-contract") });

    public Task DisposeAsync()
    {
        storage?.Dispose();
        return Task.CompletedTask;
    }
}

[Collection(KubeSimCollection.Name)]
public sealed class KubernetesReminderTableContractTests(KubeSimFixture kube) : ReminderTableContract
{
    protected override async Task<IReminderTable> NewTableAsync(int partitionCount) =>
        new KubernetesReminderTable(new KubernetesStorageOptions { Client = kube.Client, Namespace = await kube.NewNamespaceAsync("rem-contract") }, partitionCount);
}

[Collection(KubeSimCollection.Name)]
public sealed class KubernetesGrainStorageTests(KubeSimFixture kube)
{
    private sealed class Holder<T> : IGrainState<T>
    {
        public required T State { get; set; }

        public string? ETag { get; set; }

        public bool RecordExists { get; set; }
    }

    private static Holder<CartState> Cart(string? etag = null, params string[] items) => new() { State = new CartState { Items = [.. items] }, ETag = etag };

    private ResourceClient<ConfigMap> ConfigMaps => kube.Client.Resource(KnownResources.ConfigMaps, KubernetesJsonContext.Default.ConfigMap);

    private async Task<KubernetesGrainStorage> NewStorageAsync(string prefix) =>
        new(new KubernetesStorageOptions { Client = kube.Client, Namespace = await kube.NewNamespaceAsync(prefix) });

    [Fact]
    public async Task A_state_is_one_labelled_ConfigMap_whose_resourceVersion_is_the_etag()
    {
        using var storage = await NewStorageAsync("state-shape");
        var id = new GrainId("shard", "ns/name ü");
        var state = Cart(null, "a");
        await storage.WriteStateAsync("cart", id, state);

        var map = await ConfigMaps.GetAsync(storage.ObjectName("cart", id), storage.Namespace);
        Assert.Equal(state.ETag, map.Metadata.ResourceVersion);
        Assert.Equal(KubernetesObjectNames.ManagedByValue, map.Metadata.Labels![KubernetesObjectNames.ManagedByLabel]);
        Assert.Equal(KubernetesObjectNames.GrainStateKind, map.Metadata.Labels[KubernetesObjectNames.KindLabel]);
        Assert.Equal("shard", map.Metadata.Labels[KubernetesObjectNames.GrainTypeKey]);
        Assert.Equal("ns/name ü", map.Metadata.Annotations![KubernetesObjectNames.GrainKeyAnnotation]);
        Assert.Contains("\"items\":[\"a\"]", map.Data![KubernetesObjectNames.StateDataKey], StringComparison.Ordinal);

        // Operators find (and can clean up) every state object with one selector.
        var listed = await ConfigMaps.ListAsync(storage.Namespace, new ListOptions { LabelSelector = KubernetesObjectNames.Selector(KubernetesObjectNames.GrainStateKind) });
        Assert.Equal([map.Metadata.Name], listed.Items.Select(m => m.Metadata.Name));
    }

    [Fact]
    public async Task The_namespace_defaults_to_the_client_configurations()
    {
        var ns = await kube.NewNamespaceAsync("state-default-ns");
        using var storage = new KubernetesGrainStorage(new KubernetesStorageOptions { Configuration = kube.Configuration() with { Namespace = ns } });
        Assert.Equal(ns, storage.Namespace);
        var state = Cart(null, "x");
        await storage.WriteStateAsync("cart", new GrainId("cart", "k"), state);
        Assert.NotNull(await ConfigMaps.TryGetAsync(storage.ObjectName("cart", new GrainId("cart", "k")), ns));
    }

    [Fact]
    public async Task Of_concurrent_writes_from_one_version_exactly_one_wins()
    {
        using var storage = await NewStorageAsync("state-race");
        var id = new GrainId("cart", "raced");
        var initial = Cart();
        await storage.WriteStateAsync("cart", id, initial);

        const int Writers = 8;
        var writers = Enumerable.Range(0, Writers).Select(i => Cart(initial.ETag, $"writer-{i}")).ToList();
        var outcomes = await Task.WhenAll(writers.Select(async w =>
        {
            try
            {
                await storage.WriteStateAsync("cart", id, w);
                return (Exception?)null;
            }
            catch (InconsistentStateException e)
            {
                return e;
            }
        }));
        Assert.Single(outcomes, o => o is null);
        Assert.Equal(Writers - 1, outcomes.Count(o => o is InconsistentStateException));

        var winner = writers[Array.IndexOf(outcomes, null)];
        var read = Cart();
        await storage.ReadStateAsync("cart", id, read);
        Assert.Equal(winner.State.Items, read.State.Items);
        Assert.Equal(winner.ETag, read.ETag);
        // The losers learn which version they lost to.
        Assert.All(outcomes.OfType<InconsistentStateException>(), e => Assert.Equal(initial.ETag, e.CurrentEtag));
    }

    [Fact]
    public async Task Of_concurrent_creates_exactly_one_wins()
    {
        using var storage = await NewStorageAsync("state-create-race");
        var id = new GrainId("cart", "created");
        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(async i =>
        {
            try
            {
                await storage.WriteStateAsync("cart", id, Cart(null, $"c{i}"));
                return true;
            }
            catch (InconsistentStateException)
            {
                return false;
            }
        }));
        Assert.Single(results, won => won);
    }

    [Fact]
    public async Task Writing_or_clearing_a_record_deleted_behind_the_grains_back_is_a_conflict()
    {
        using var storage = await NewStorageAsync("state-deleted");
        var id = new GrainId("cart", "gone");
        var state = Cart(null, "x");
        await storage.WriteStateAsync("cart", id, state);
        await ConfigMaps.DeleteAsync(storage.ObjectName("cart", id), storage.Namespace);

        var write = await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("cart", id, state));
        Assert.Null(write.StoredEtag);
        Assert.Equal(state.ETag, write.CurrentEtag);
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearStateAsync("cart", id, state));

        // Clearing with no version when there is no record is fine: there is nothing to protect.
        var none = Cart();
        await storage.ClearStateAsync("cart", id, none);
        Assert.False(none.RecordExists);
    }

    [Fact]
    public async Task An_oversize_state_is_refused_with_a_message_naming_the_grain_and_the_size()
    {
        using var storage = await NewStorageAsync("state-big");
        var id = new GrainId("cart", "big");
        var state = Cart(null, new string('x', 1_000_000));
        var error = await Assert.ThrowsAsync<GrainStateTooLargeException>(() => storage.WriteStateAsync("cart", id, state));
        Assert.Contains("grain cart/big", error.Message, StringComparison.Ordinal);
        Assert.Contains("state 'cart'", error.Message, StringComparison.Ordinal);
        Assert.Contains($"{error.Size} bytes", error.Message, StringComparison.Ordinal);
        Assert.InRange(error.Size, 1_000_000, 1_000_100);
        Assert.Equal(KubernetesStorageOptions.DefaultMaxStateBytes, error.Limit);
        Assert.Null(state.ETag);
        Assert.Null(await ConfigMaps.TryGetAsync(storage.ObjectName("cart", id), storage.Namespace));

        // Just under the limit is stored.
        state.State.Items[0] = new string('x', KubernetesStorageOptions.DefaultMaxStateBytes - 100);
        await storage.WriteStateAsync("cart", id, state);
        Assert.NotNull(state.ETag);
    }
}

[Collection(KubeSimCollection.Name)]
public sealed class KubernetesGrainTests(KubeSimFixture kube)
{
    [Fact]
    public async Task Grain_state_and_reminders_live_in_ConfigMaps_and_survive_a_silo_restart()
    {
        var ns = await kube.NewNamespaceAsync("grain-restart");
        // Storage from a configuration (the provider owns that client and the silo disposes it);
        // reminders on a shared client (left open).
        await RestartScenario.StateAndRemindersSurviveASiloRestart(b => b
            .AddKubernetesGrainStorage("Default", o => { o.Configuration = kube.Configuration(); o.Namespace = ns; })
            .UseKubernetesReminders(o => { o.Client = kube.Client; o.Namespace = ns; }));

        var maps = kube.Client.Resource(KnownResources.ConfigMaps, KubernetesJsonContext.Default.ConfigMap);
        var reminders = await maps.ListAsync(ns, new ListOptions { LabelSelector = KubernetesObjectNames.Selector(KubernetesObjectNames.RemindersKind) });
        Assert.Single(reminders.Items);
        Assert.StartsWith(KubernetesReminderTable.DefaultNamePrefix + "-", reminders.Items[0].Metadata.Name, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stale_grain_write_fails_with_InconsistentStateException()
    {
        var ns = await kube.NewNamespaceAsync("grain-stale");
        void Configure(SiloHostBuilder b) => b.AddKubernetesGrainStorage("Default", o => { o.Client = kube.Client; o.Namespace = ns; });
        var (a, _, _) = await TestSilo.StartAsync(Configure);
        var (b, _, _) = await TestSilo.StartAsync(Configure);
        await using var _a = a;
        await using var _b = b;
        await a.GrainFactory.GetGrain<ICartGrain>("x").Add("1");
        await b.GrainFactory.GetGrain<ICartGrain>("x").Add("2");
        await Assert.ThrowsAsync<InconsistentStateException>(() => a.GrainFactory.GetGrain<ICartGrain>("x").Add("lost"));
    }

    [Fact]
    public async Task An_oversize_grain_state_reaches_the_caller_as_GrainStateTooLargeException()
    {
        var ns = await kube.NewNamespaceAsync("grain-big");
        var (silo, _, _) = await TestSilo.StartAsync(b => b.AddKubernetesGrainStorage("Default", o => { o.Client = kube.Client; o.Namespace = ns; o.MaxStateBytes = 1024; }));
        await using var _silo = silo;
        var error = await Assert.ThrowsAsync<GrainStateTooLargeException>(() => silo.GrainFactory.GetGrain<ICartGrain>("huge").Add(new string('y', 2000)));
        Assert.Contains("grain cart/huge", error.Message, StringComparison.Ordinal);
    }
}
