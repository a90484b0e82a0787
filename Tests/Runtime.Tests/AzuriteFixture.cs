using System.Globalization;
using MultigresOrleans.Runtime.Storage.Blob;
using MultigresOrleans.Tests.Shared;

namespace MultigresOrleans.Runtime.Tests;

/// <summary>
/// One real Azurite for the whole test assembly, started by scripts/azurite.sh on a free port and
/// stopped by PID on dispose (the script's watchdog also stops it if this process dies). Tests
/// isolate themselves by container name (<see cref="NewContainer"/>).
/// </summary>
public sealed class AzuriteFixture : IDisposable
{
    private readonly ScriptedServer _server = ScriptedServer.Start("azurite.sh", fieldCount: 2);

    public int Port => int.Parse(_server.Fields[0], CultureInfo.InvariantCulture);

    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={BlobConnectionString.DevelopmentAccountName};" +
        $"AccountKey={BlobConnectionString.DevelopmentAccountKey};BlobEndpoint=http://127.0.0.1:{Port}/{BlobConnectionString.DevelopmentAccountName};";

    /// <summary>A container name no other test uses (prefix: up to 20 of a-z, 0-9).</summary>
    public static string NewContainer(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    public void Dispose() => _server.Dispose();
}

[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "azurite";
}
