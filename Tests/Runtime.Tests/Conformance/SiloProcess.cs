using System.Diagnostics;
using System.Globalization;

namespace MultigresOrleans.Runtime.Tests.Conformance;

/// <summary>
/// One silo as a real separate process (Tests/ConformanceSilo): started with `dotnet`, read line by
/// line from its stdout, stopped by SIGTERM (graceful) or SIGKILL (crash), and always killed by PID
/// on dispose. It also watches this process's PID and exits if the test process dies.
/// </summary>
internal sealed class SiloProcess : IDisposable
{
    private readonly Process process;
    private readonly Lock gate = new();
    private readonly List<string> lines = [];
    private readonly List<string> errors = [];
    private TaskCompletionSource changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private SiloProcess(string name, Process process)
    {
        Name = name;
        this.process = process;
        process.OutputDataReceived += (_, e) => Append(lines, e.Data);
        process.ErrorDataReceived += (_, e) => Append(errors, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Name { get; }

    public string Identity { get; private set; } = string.Empty;

    public Uri? Endpoint { get; private set; }

    public int Pid => process.Id;

    public bool HasExited => process.HasExited;

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (gate)
                return [.. lines];
        }
    }

    /// <summary>The last lines the silo wrote (its log goes to stdout with the protocol lines; stderr after it), for failure messages.</summary>
    public string LogTail
    {
        get
        {
            lock (gate)
                return string.Join('\n', lines.TakeLast(80).Concat(errors.TakeLast(20)));
        }
    }

    public static SiloProcess Start(string name, IReadOnlyDictionary<string, string> arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(SiloAssembly);
        foreach (var (key, value) in arguments)
        {
            start.ArgumentList.Add($"--{key}");
            start.ArgumentList.Add(value);
        }

        start.ArgumentList.Add("--name");
        start.ArgumentList.Add(name);
        start.ArgumentList.Add("--parent-pid");
        start.ArgumentList.Add(Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the conformance silo");
        return new SiloProcess(name, process);
    }

    /// <summary>Waits for READY (the silo joined and listens).</summary>
    public async Task WaitReadyAsync()
    {
        var ready = await WaitForLineAsync(l => l.StartsWith("READY ", StringComparison.Ordinal), "READY", TimeSpan.FromSeconds(90));
        var parts = ready.Split(' ');
        Identity = parts[1];
        Endpoint = new Uri(parts[2]);
    }

    public void Send(string command)
    {
        process.StandardInput.WriteLine(command);
        process.StandardInput.Flush();
    }

    public async Task<string> WaitForLineAsync(Func<string, bool> match, string expected, TimeSpan deadline)
    {
        var until = DateTime.UtcNow + deadline;
        while (true)
        {
            Task next;
            lock (gate)
            {
                var found = lines.FirstOrDefault(match);
                if (found is not null)
                    return found;
                next = changed.Task;
            }

            var remaining = until - DateTime.UtcNow;
            if (process.HasExited && !next.IsCompleted)
            {
                // HasExited turns true before the asynchronous reader has delivered the last lines; WaitForExit()
                // waits until the redirected streams reach end of file, so a line printed just before a clean exit
                // (STOPPED after a graceful shutdown) is not mistaken for a missing one.
                process.WaitForExit();
                lock (gate)
                {
                    if (lines.FirstOrDefault(match) is { } last)
                        return last;
                }

                throw new InvalidOperationException($"silo {Name} exited ({process.ExitCode}) before printing {expected}; stdout: {string.Join(" | ", Lines.TakeLast(10))}\n{LogTail}");
            }
            if (remaining <= TimeSpan.Zero)
                throw new TimeoutException($"silo {Name}: waited {deadline.TotalSeconds} s for {expected}; stdout: {string.Join(" | ", Lines.TakeLast(10))}\n{LogTail}");
            try
            {
                await next.WaitAsync(remaining < TimeSpan.FromSeconds(1) ? remaining : TimeSpan.FromSeconds(1));
            }
            catch (TimeoutException)
            {
                // Re-check exit and deadline.
            }
        }
    }

    /// <summary>SIGTERM: the silo hands its partitions off and exits.</summary>
    public void Terminate() => Signal("TERM");

    /// <summary>SIGKILL: a crash, nothing handed off.</summary>
    public void Kill()
    {
        process.Kill();
        process.WaitForExit();
    }

    public async Task<int> WaitForExitAsync(TimeSpan deadline)
    {
        await process.WaitForExitAsync().WaitAsync(deadline);
        return process.ExitCode;
    }

    public void Dispose()
    {
        try
        {
            if (!process.HasExited)
                process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        process.Dispose();
    }

    private static string SiloAssembly
    {
        get
        {
            // The silo's own build output: bin/<configuration>/net10.0 like this test assembly's.
            var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var configuration = here.Parent!.Name;
            var path = Path.Combine(RepositoryPaths.Root, "Tests", "ConformanceSilo", "bin", configuration, here.Name, "MultigresOrleans.ConformanceSilo.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException($"build Tests/ConformanceSilo first: {path} is missing");
        }
    }

    private void Signal(string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", Pid.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    private void Append(List<string> target, string? line)
    {
        if (line is null)
            return;
        TaskCompletionSource previous;
        lock (gate)
        {
            target.Add(line);
            previous = changed;
            changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        previous.TrySetResult();
    }
}
