using MultigresOrleans.KubeSim;

// KubeSim's command line: `--port N --kubeconfig-out PATH [--https] [--https-port N] [--audit-log PATH] [--snapshot PATH]
// [--webhook-service ns/name=https://127.0.0.1:PORT] [--service-account-kubeconfig ns/name=PATH] [--no-controllers] [--log-requests]
// [--enforce-rbac] [--dataplane-etcd URL] [--dataplane-grpc-port N]`.
var options = new KubeSimOptions();
var serviceAccountKubeconfigs = new List<(string Namespace, string Name, string Path)>();
for (var i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    switch (args[i])
    {
        case "--port":
            options.Port = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture);
            break;
        case "--https-port":
            options.HttpsPort = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture);
            options.Https = true;
            break;
        case "--https":
            options.Https = true;
            break;
        case "--kubeconfig-out":
            options.KubeconfigOut = Next();
            break;
        case "--audit-log":
            options.AuditLogPath = Next();
            break;
        case "--snapshot":
            options.SnapshotPath = Next();
            break;
        case "--webhook-service":
            // namespace/name=https://127.0.0.1:port
            var mapping = Next().Split('=', 2);
            options.WebhookServices[mapping[0]] = mapping[1];
            break;
        case "--service-account-kubeconfig":
            // namespace/name=PATH: a kubeconfig with a token for that service account (the sandbox's operator identity)
            var parts = Next().Split('=', 2);
            var account = parts[0].Split('/', 2);
            if (parts.Length != 2 || account.Length != 2)
                throw new ArgumentException("--service-account-kubeconfig needs namespace/name=PATH");
            serviceAccountKubeconfigs.Add((account[0], account[1], parts[1]));
            break;
        case "--log-requests":
            options.LogRequests = true;
            break;
        case "--enforce-rbac":
            options.EnforceRbac = true;
            break;
        case "--no-controllers":
            options.SimulateControllers = false;
            break;
        case "--dataplane-etcd":
            // The simulated Multigres data plane publishes topology records to this etcd.
            options.DataPlaneEtcd = Next();
            break;
        case "--dataplane-grpc-port":
            var grpcPort = Next();
            if (!int.TryParse(grpcPort, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var parsedPort) || parsedPort > 65535)
                throw new ArgumentException($"--dataplane-grpc-port needs a port number (0-65535), got '{grpcPort}'");
            options.DataPlaneGrpcPort = parsedPort;
            break;
        default:
            Console.Error.WriteLine($"unknown argument {args[i]}");
            return 2;
    }
}

await using var server = await KubeSimServer.StartAsync(options, logging: options.LogRequests
    ? b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information)
    : null);
// One start-up line; scripts read the data plane's gRPC port from its key=value field.
Console.WriteLine($"KubeSim listening on {server.HttpUrl}" + (server.HttpsUrl is null ? "" : $" and {server.HttpsUrl}")
    + (server.DataPlaneGrpcPort is { } dataPlanePort ? $" dataplane-grpc-port={dataPlanePort} dataplane-etcd={options.DataPlaneEtcd}" : ""));
foreach (var (ns, name, path) in serviceAccountKubeconfigs)
    await File.WriteAllTextAsync(path, server.ServiceAccountKubeconfig(ns, name));
if (options.KubeconfigOut is not null)
    Console.WriteLine($"kubeconfig written to {options.KubeconfigOut}");
// The host's console lifetime turns SIGTERM and Ctrl+C into ApplicationStopping; returning then
// lets `await using` save the snapshot and stop the listeners.
try
{
    await Task.Delay(Timeout.Infinite, server.Stopping);
}
catch (OperationCanceledException)
{
}
return 0;
