using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using MultigresOrleans.Silo;

// The operator process. Settings come from the environment (SiloSettings); JSON logs on stdout.
// SIGTERM leaves the grain cluster gracefully (grains handed off); a fenced silo exits with 3 so
// Kubernetes restarts it with a fresh identity.
using var loggers = LoggerFactory.Create(b => b
    .AddJsonConsole(o => o.UseUtcTimestamp = true)
    .SetMinimumLevel(LogLevel.Information)
    .AddFilter("Microsoft.AspNetCore", LogLevel.Warning));
var log = loggers.CreateLogger("MultigresOrleans.Silo");

SiloSettings settings;
try
{
    settings = SiloSettings.FromEnvironment(Environment.GetEnvironmentVariable, args);
}
catch (SiloSettingsException exception)
{
    Console.Error.WriteLine(exception.Message);
    return 1;
}

await using var silo = new OperatorSilo(settings, loggers);
var stop = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
silo.Fenced += reason =>
{
    log.LogError("silo fenced: {Reason}", reason);
    stop.TrySetResult(3);
};
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stop.TrySetResult(0);
});
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context =>
{
    context.Cancel = true;
    stop.TrySetResult(0);
});

// PARENT_PID (tests and local runs): exit when the process that started us is gone, so a crashed
// test run never leaves a silo behind.
if (int.TryParse(Environment.GetEnvironmentVariable("PARENT_PID"), out var parentPid))
    WatchParent(parentPid, stop);

await silo.StartAsync();
var code = await stop.Task;
if (code == 0)
    await silo.StopAsync();
return code;

static void WatchParent(int parentPid, TaskCompletionSource<int> stop) => _ = Task.Run(async () =>
{
    using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
    while (await timer.WaitForNextTickAsync())
    {
        try
        {
            using var parent = System.Diagnostics.Process.GetProcessById(parentPid);
            if (parent.HasExited)
                break;
        }
        catch (ArgumentException)
        {
            break;
        }
    }

    stop.TrySetResult(4);
    Environment.Exit(4);
});
