using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using MultigresOrleans.KubeSim.DataPlane.Protos;

namespace MultigresOrleans.KubeSim.Tests.DataPlane;

/// <summary>The command line: --dataplane-etcd turns the data plane on and the start-up line names its gRPC port.</summary>
[Collection(DataPlaneCollection.Name)]
public sealed partial class DataPlaneProgramTests(DataPlaneFixture fixture)
{
    [GeneratedRegex(@" dataplane-grpc-port=(\d+) dataplane-etcd=(\S+)$")]
    private static partial Regex PortField();

    [Fact]
    public async Task Dataplane_flags_start_the_gRPC_listener_and_the_banner_reports_its_port()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "MultigresOrleans.KubeSim.dll");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { dll, "--port", "0", "--dataplane-etcd", fixture.EtcdUrl, "--dataplane-grpc-port", "0" })
            psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        try
        {
            var banner = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.NotNull(banner);
            Assert.StartsWith("KubeSim listening on http://127.0.0.1:", banner, StringComparison.Ordinal);
            var match = PortField().Match(banner);
            Assert.True(match.Success, $"no dataplane-grpc-port field in '{banner}'");
            Assert.Equal(fixture.EtcdUrl, match.Groups[2].Value);
            var port = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);

            using var grpc = new GrpcTestClient(port);
            var answer = await grpc.CallAsync("nobody.svc.ns.svc.cluster.local:15270", "/multipoolermanager.MultipoolerManager/GetBackups",
                new GetBackupsRequest(), GetBackupsResponse.Parser);
            Assert.Equal(14, answer.Status);
            Assert.Contains("no multipooler pod matches authority", answer.Message, StringComparison.Ordinal);

            using (var term = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
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
        }
    }
}
