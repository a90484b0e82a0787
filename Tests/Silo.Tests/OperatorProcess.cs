using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

namespace MultigresOrleans.Silo.Tests;

/// <summary>
/// One operator silo as a real process (Silo/bin/…/MultigresOrleans.Silo.dll) with the environment a
/// pod would give it; its JSON log is kept for failure messages. Stopped by SIGTERM or SIGKILL, and
/// always killed by PID on dispose; PARENT_PID makes it exit if the test process dies.
/// </summary>
internal sealed class OperatorProcess : IDisposable
{
    private readonly Process _process;
    private readonly Lock _gate = new();
    private readonly List<string> _log = [];

    private OperatorProcess(string name, int healthPort, Process process)
    {
        Name = name;
        HealthPort = healthPort;
        _process = process;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Name { get; }

    public int HealthPort { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public string LogTail
    {
        get
        {
            lock (_gate)
                return string.Join('\n', _log.TakeLast(40));
        }
    }

    public IReadOnlyList<string> Log
    {
        get
        {
            lock (_gate)
                return [.. _log];
        }
    }

    public static OperatorProcess Start(string name, string kubeconfig, string keyFile, string etcdUrl, string? blobConnectionString, int? dataPlaneGrpcPort = null)
    {
        var grainPort = FreePort();
        var healthPort = FreePort();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(SiloAssembly);
        start.Environment["POD_NAMESPACE"] = OperatorFixture.OperatorNamespace;
        start.Environment["POD_SERVICE_ACCOUNT"] = "multigres-operator-controller-manager";
        start.Environment["POD_NAME"] = name;
        start.Environment["KUBECONFIG"] = kubeconfig;
        start.Environment["GRAIN_CLUSTER_KEY_FILE"] = keyFile;
        start.Environment["GRAIN_LISTEN"] = $"127.0.0.1:{grainPort}";
        start.Environment["GRAIN_ADVERTISE"] = $"http://127.0.0.1:{grainPort}";
        start.Environment["HEALTH_PORT"] = healthPort.ToString(CultureInfo.InvariantCulture);
        start.Environment["MULTIGRES_TOPOLOGY_DIAL"] = etcdUrl;
        start.Environment["MULTIGRES_QUARANTINE_MIN_AGE"] = "2"; // the 3-minute guard would dominate the quarantine test
        start.Environment["MULTIGRES_DEAD_POOLER_GRACE"] = OperatorFixture.DeadPoolerGraceSeconds.ToString(CultureInfo.InvariantCulture);
        if (dataPlaneGrpcPort is { } dial)
            start.Environment["MULTIGRES_DATAPLANE_DIAL"] = "127.0.0.1:" + dial.ToString(CultureInfo.InvariantCulture);
        start.Environment["PARENT_PID"] = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        if (blobConnectionString is not null)
            start.Environment["GRAIN_STORAGE_CONNECTION_STRING"] = blobConnectionString;
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the operator silo");
        return new OperatorProcess(name, healthPort, process);
    }

    public async Task WaitReadyAsync(TimeSpan deadline)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        try
        {
            await Eventually.UntilAsync(() => IsReadyAsync(http), ready => ready, $"silo {Name}: /readyz OK", deadline);
        }
        catch (TimeoutException exception)
        {
            throw new TimeoutException($"{exception.Message}\n{LogTail}", exception);
        }
    }

    private async Task<bool> IsReadyAsync(HttpClient http)
    {
        if (_process.HasExited)
            throw new InvalidOperationException($"silo {Name} exited ({_process.ExitCode}) before it was ready:\n{LogTail}");
        try
        {
            using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{HealthPort}/readyz"));
            return response.IsSuccessStatusCode;
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    public void Kill()
    {
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (_gate)
            _log.Add(line);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string SiloAssembly
    {
        get
        {
            var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var configuration = here.Parent!.Name;
            var path = Path.Combine(RepositoryPaths.Root, "Silo", "bin", configuration, here.Name, "MultigresOrleans.Silo.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException($"build Silo first: {path} is missing");
        }
    }
}
