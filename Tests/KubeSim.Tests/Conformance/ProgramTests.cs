using System.Diagnostics;
using MultigresOrleans.KubeSim.Tests.Infrastructure;

namespace MultigresOrleans.KubeSim.Tests.Conformance;

/// <summary>The command line: starts quickly, writes a kubeconfig kubectl can use, stops by PID.</summary>
public sealed class ProgramTests
{
    [Fact]
    public async Task KubeSim_starts_from_the_command_line_and_serves_kubectl()
    {
        var directory = Directory.CreateTempSubdirectory("kubesim-program-");
        var kubeconfig = Path.Combine(directory.FullName, "kubeconfig");
        var dll = Path.Combine(AppContext.BaseDirectory, "MultigresOrleans.KubeSim.dll");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { dll, "--port", "0", "--https", "--kubeconfig-out", kubeconfig })
            psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        try
        {
            var banner = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.NotNull(banner);
            Assert.StartsWith("KubeSim listening on http://127.0.0.1:", banner, StringComparison.Ordinal);
            Assert.True(File.Exists(kubeconfig));

            var kubectl = new Kubectl(kubeconfig, Path.Combine(directory.FullName, "cache"));
            var namespaces = (await kubectl.RunAsync("get", "namespaces", "-o", "name")).EnsureSuccess();
            Assert.Contains("namespace/default", namespaces.Stdout, StringComparison.Ordinal);

            // SIGTERM (what scripts use to stop it by PID) must end the process gracefully.
            using (var term = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
                await term.WaitForExitAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(15));
            Assert.Equal(0, process.ExitCode);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
            directory.Delete(recursive: true);
        }
    }
}
