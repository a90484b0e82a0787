using System.Net;
using MultigresOrleans.Runtime.Storage.Blob;

namespace MultigresOrleans.Runtime.Tests;

[Collection(AzuriteCollection.Name)]
public sealed class BlobStorageContractTests(AzuriteFixture azurite) : StorageContract, IDisposable
{
    private readonly AzureBlobGrainStorage storage = new(new AzureBlobStorageOptions
    {
        ConnectionString = azurite.ConnectionString,
        ContainerName = AzuriteFixture.NewContainer("contract"),
    });

    protected override IGrainStorage Storage => storage;

    public void Dispose() => storage.Dispose();
}

[Collection(AzuriteCollection.Name)]
public sealed class BlobReminderTableContractTests(AzuriteFixture azurite) : ReminderTableContract
{
    protected override Task<Reminders.IReminderTable> NewTableAsync(int partitionCount) =>
        Task.FromResult<Reminders.IReminderTable>(new BlobReminderTable(
            new AzureBlobStorageOptions { ConnectionString = azurite.ConnectionString, ContainerName = AzuriteFixture.NewContainer("remtable") }, partitionCount));
}

[Collection(AzuriteCollection.Name)]
public sealed class BlobClientTests(AzuriteFixture azurite) : IDisposable
{
    private readonly HttpClient http = new();

    private BlobRestClient Client => new(http, BlobConnectionString.Parse(azurite.ConnectionString));

    public void Dispose() => http.Dispose();

    [Fact]
    public async Task Put_auto_creates_the_container_and_conditions_map_to_412_and_409()
    {
        var client = Client;
        var container = AzuriteFixture.NewContainer("client");
        var etag = await client.PutAsync(container, "a.json", "{}"u8.ToArray(), ifMatch: null, CancellationToken.None);
        Assert.StartsWith("\"", etag, StringComparison.Ordinal);

        var exists = await Assert.ThrowsAsync<BlobConditionFailedException>(() => client.PutAsync(container, "a.json", "{}"u8.ToArray(), null, CancellationToken.None));
        Assert.Equal(HttpStatusCode.Conflict, exists.Status);
        Assert.Equal("BlobAlreadyExists", exists.ErrorCode);

        var next = await client.PutAsync(container, "a.json", "[1]"u8.ToArray(), etag, CancellationToken.None);
        var stale = await Assert.ThrowsAsync<BlobConditionFailedException>(() => client.PutAsync(container, "a.json", "[2]"u8.ToArray(), etag, CancellationToken.None));
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.Status);

        var got = await client.GetAsync(container, "a.json", CancellationToken.None);
        Assert.NotNull(got);
        Assert.Equal(next, got.ETag);
        Assert.Equal("[1]"u8.ToArray(), got.Content);
        Assert.Equal(next, await client.GetETagAsync(container, "a.json", CancellationToken.None));

        await Assert.ThrowsAsync<BlobConditionFailedException>(() => client.DeleteAsync(container, "a.json", etag, CancellationToken.None));
        Assert.True(await client.DeleteAsync(container, "a.json", next, CancellationToken.None));
        Assert.False(await client.DeleteAsync(container, "a.json", null, CancellationToken.None));
        Assert.Null(await client.GetAsync(container, "a.json", CancellationToken.None));
        Assert.Null(await client.GetETagAsync(container, "a.json", CancellationToken.None));
        Assert.Null(await client.GetAsync(AzuriteFixture.NewContainer("nocontainer"), "x", CancellationToken.None));
    }

    [Fact]
    public async Task A_wrong_account_key_is_refused_by_the_service()
    {
        var wrongKey = Convert.ToBase64String(new byte[64]);
        var account = BlobConnectionString.Parse(azurite.ConnectionString.Replace(BlobConnectionString.DevelopmentAccountKey, wrongKey, StringComparison.Ordinal));
        var client = new BlobRestClient(http, account);
        var error = await Assert.ThrowsAsync<BlobRequestFailedException>(() => client.CreateContainerIfNotExistsAsync(AzuriteFixture.NewContainer("auth"), CancellationToken.None));
        Assert.Equal(HttpStatusCode.Forbidden, error.Status);
    }
}

public sealed class BlobConnectionStringTests
{
    [Fact]
    public void Development_storage_uses_the_emulator_account_and_endpoint()
    {
        var cs = BlobConnectionString.Parse("UseDevelopmentStorage=true");
        Assert.Equal("devstoreaccount1", cs.AccountName);
        Assert.Equal(new Uri("http://127.0.0.1:10000/devstoreaccount1/"), cs.BlobEndpoint);
        Assert.Equal(Convert.FromBase64String(BlobConnectionString.DevelopmentAccountKey), cs.AccountKey);

        var proxied = BlobConnectionString.Parse("UseDevelopmentStorage=true;DevelopmentStorageProxyUri=http://azurite");
        Assert.Equal(new Uri("http://azurite:10000/devstoreaccount1/"), proxied.BlobEndpoint);
    }

    [Fact]
    public void Explicit_account_without_endpoint_uses_the_public_cloud_host()
    {
        var cs = BlobConnectionString.Parse("DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=AAAA;EndpointSuffix=core.chinacloudapi.cn");
        Assert.Equal("acme", cs.AccountName);
        Assert.Equal(new Uri("https://acme.blob.core.chinacloudapi.cn/"), cs.BlobEndpoint);
        Assert.Equal(new byte[3], cs.AccountKey);
        Assert.Equal(new Uri("https://acme.blob.core.windows.net/"), BlobConnectionString.Parse("AccountName=acme;AccountKey=AAAA").BlobEndpoint);
    }

    [Fact]
    public void Explicit_blob_endpoint_and_keys_ending_in_padding_are_kept()
    {
        var cs = BlobConnectionString.Parse($" accountname=devstoreaccount1 ; AccountKey={BlobConnectionString.DevelopmentAccountKey};BlobEndpoint=http://127.0.0.1:1234/devstoreaccount1;");
        Assert.Equal(new Uri("http://127.0.0.1:1234/devstoreaccount1/"), cs.BlobEndpoint);
        Assert.Equal(64, cs.AccountKey.Length);
        Assert.DoesNotContain("Eby8", cs.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("AccountKey=AAAA")]
    [InlineData("AccountName=x")]
    [InlineData("AccountName=x;AccountKey=not base64!")]
    [InlineData("garbage")]
    public void Incomplete_connection_strings_are_refused(string text) =>
        Assert.Throws<FormatException>(() => BlobConnectionString.Parse(text));

    [Fact]
    public void Blob_names_escape_everything_outside_a_safe_alphabet_injectively()
    {
        Assert.Equal("cart/shard/ns~2Fname~7E~20~C3~BC.json", AzureBlobGrainStorage.BlobName("cart", new GrainId("shard", "ns/name~ ü")));
        Assert.NotEqual(AzureBlobGrainStorage.BlobName("s", new GrainId("t", "a~2F")), AzureBlobGrainStorage.BlobName("s", new GrainId("t", "a/")));
    }
}

[Collection(AzuriteCollection.Name)]
public sealed class BlobGrainTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Grain_state_and_reminders_live_in_Azurite_and_survive_a_silo_restart()
    {
        var stateContainer = AzuriteFixture.NewContainer("state");
        var reminderContainer = AzuriteFixture.NewContainer("rem");
        await RestartScenario.StateAndRemindersSurviveASiloRestart(b => b
            .AddAzureBlobGrainStorage("Default", o => { o.ConnectionString = azurite.ConnectionString; o.ContainerName = stateContainer; })
            .UseAzureBlobReminders(o => { o.ConnectionString = azurite.ConnectionString; o.ContainerName = reminderContainer; }));
    }

    [Fact]
    public async Task A_stale_grain_write_to_Azurite_fails_with_InconsistentStateException()
    {
        var container = AzuriteFixture.NewContainer("stale");
        void Configure(SiloHostBuilder b) => b.AddAzureBlobGrainStorage("Default", o => { o.ConnectionString = azurite.ConnectionString; o.ContainerName = container; });
        var (a, _, _) = await TestSilo.StartAsync(Configure);
        var (b, _, _) = await TestSilo.StartAsync(Configure);
        await using var _a = a;
        await using var _b = b;
        await a.GrainFactory.GetGrain<ICartGrain>("x").Add("1");
        await b.GrainFactory.GetGrain<ICartGrain>("x").Add("2");
        await Assert.ThrowsAsync<InconsistentStateException>(() => a.GrainFactory.GetGrain<ICartGrain>("x").Add("lost"));
    }
}
