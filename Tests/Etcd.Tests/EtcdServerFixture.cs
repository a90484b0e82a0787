using System.Net;
using System.Net.Sockets;
using MultigresOrleans.Tests.Shared;

namespace MultigresOrleans.Etcd.Tests;

/// <summary>
/// One real etcd per test assembly, started by scripts/etcd.sh on free loopback ports with a temp
/// data dir, and stopped by PID (data dir removed) on dispose. The script's watchdog also stops it
/// if this test process dies without disposing. Tests isolate themselves by key prefix.
/// </summary>
public sealed class EtcdServerFixture : IDisposable
{
    private readonly ScriptedServer _server = ScriptedServer.Start("etcd.sh", fieldCount: 3);

    public string ClientUrl => _server.Fields[0];

    public int Pid => _server.Pid;

    public string DataDir => _server.Fields[2];

    /// <summary>A key prefix no other test uses.</summary>
    public static string NewPrefix(string test) => $"/etcd-tests/{test}/{Guid.NewGuid():N}/";

    public EtcdClient NewClient(params string[] endpoints) =>
        new(new EtcdClientOptions { Endpoints = endpoints.Length == 0 ? [ClientUrl] : endpoints });

    /// <summary>A loopback port with nothing listening: connecting to it is refused at once.</summary>
    public static string ClosedEndpoint()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)socket.LocalEndPoint!).Port;
        return $"http://127.0.0.1:{port}";
    }

    public void Dispose()
    {
        _server.Dispose();
        if (Directory.Exists(DataDir))
            Directory.Delete(DataDir, recursive: true);
    }
}

[CollectionDefinition(Name)]
public sealed class EtcdCollection : ICollectionFixture<EtcdServerFixture>
{
    public const string Name = "etcd";
}

/// <summary>A TCP listener that completes handshakes (through the kernel backlog) and never answers: a black hole.</summary>
public sealed class BlackHole : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);

    public BlackHole() => _listener.Start();

    public string Endpoint => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    public void Dispose() => _listener.Dispose();
}
