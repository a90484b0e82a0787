using System.Diagnostics;
using System.Globalization;

namespace MultigresOrleans.Tests.Shared;

/// <summary>
/// A real server (etcd, Azurite) started by one of the repository's <c>scripts/*.sh</c>, which
/// picks free loopback ports, waits until the server answers and prints one line of
/// space-separated fields whose second is the PID. The server is stopped by that PID on dispose,
/// even after a failed test; the scripts' watchdog (given this process's PID) also stops it if
/// the test process dies without disposing.
/// </summary>
public sealed class ScriptedServer : IDisposable
{
    private int _pid;

    private ScriptedServer(IReadOnlyList<string> fields)
    {
        Fields = fields;
        _pid = int.Parse(fields[1], CultureInfo.InvariantCulture);
    }

    /// <summary>Everything the script printed, e.g. <c>[url, pid, dataDir]</c>.</summary>
    public IReadOnlyList<string> Fields { get; }

    public int Pid => _pid;

    public static ScriptedServer Start(string script, int fieldCount, TimeSpan? timeout = null)
    {
        var path = Path.Combine(RepositoryPaths.Root, "scripts", script);
        var limit = timeout ?? TimeSpan.FromSeconds(60);
        var start = new ProcessStartInfo("bash", [path, Environment.ProcessId.ToString(CultureInfo.InvariantCulture)])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not run scripts/{script}");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"scripts/{script} did not report a running server within {limit.TotalSeconds:0} s");
        }
        var fields = stdout.Result.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (process.ExitCode != 0 || fields.Length != fieldCount)
            throw new InvalidOperationException($"scripts/{script} failed (exit {process.ExitCode}): expected {fieldCount} fields, stdout '{stdout.Result.Trim()}', stderr '{stderr.Result.Trim()}'");
        return new ScriptedServer(fields);
    }

    public void Dispose()
    {
        var pid = Interlocked.Exchange(ref _pid, 0);
        if (pid == 0)
            return;
        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill(entireProcessTree: true);
            process.WaitForExit(TimeSpan.FromSeconds(10));
        }
        catch (ArgumentException)
        {
            // Already gone.
        }
        catch (InvalidOperationException)
        {
            // Exited between lookup and kill.
        }
    }
}
