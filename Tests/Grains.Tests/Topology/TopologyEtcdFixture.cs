using MultigresOrleans.Etcd;
using MultigresOrleans.Tests.Shared;

namespace MultigresOrleans.Grains.Tests.Topology;

/// <summary>
/// One real etcd for this assembly's topology tests, started by scripts/etcd.sh (free loopback
/// ports, temp data dir) and stopped by PID on dispose, data dir removed. The script's watchdog
/// stops it if the test process dies first. Each test uses its own global root.
/// </summary>
public sealed class TopologyEtcdFixture : IDisposable
{
    private readonly ScriptedServer _server = ScriptedServer.Start("etcd.sh", fieldCount: 3);

    public TopologyEtcdFixture() => Client = new EtcdClient(new EtcdClientOptions { Endpoints = [ClientUrl] });

    public string ClientUrl => _server.Fields[0];

    public int Pid => _server.Pid;

    public string DataDir => _server.Fields[2];

    /// <summary>The process-wide client the stores share, as the operator would.</summary>
    public EtcdClient Client { get; }

    public static string NewRoot(string test) => $"/topology-tests/{test}/{Guid.NewGuid():N}";

    public void Dispose()
    {
        Client.Dispose();
        _server.Dispose();
        if (Directory.Exists(DataDir))
            Directory.Delete(DataDir, recursive: true);
    }
}

[CollectionDefinition(Name)]
public sealed class TopologyEtcdCollection : ICollectionFixture<TopologyEtcdFixture>
{
    public const string Name = "topology-etcd";
}
