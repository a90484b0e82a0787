using System.Net;
using MultigresOrleans.KubeSim.Tests.Infrastructure;

namespace MultigresOrleans.KubeSim.Tests.Api;

/// <summary>A snapshot file carries objects and installed CRDs across a restart.</summary>
public sealed class SnapshotTests
{
    [Fact]
    public async Task State_survives_a_restart_through_the_snapshot_file()
    {
        var path = Path.Combine(Path.GetTempPath(), $"kubesim-snapshot-{Guid.NewGuid():N}.jsonl");
        try
        {
            var options = new KubeSimOptions { SnapshotPath = path, SimulateControllers = false };
            string rv;
            await using (var first = await KubeSimServer.StartAsync(options))
            {
                using var http = new HttpClient { BaseAddress = first.HttpUrl };
                http.DefaultRequestHeaders.Authorization = new("Bearer", first.AdminToken);
                await TestCrds.InstallAsync(http, TestCrds.Things("snapshot.kubesim.io"));
                (await http.PostJsonAsync("/apis/snapshot.kubesim.io/v1/namespaces/default/things", TestCrds.Thing("snapshot.kubesim.io", "kept"))).Expect(HttpStatusCode.Created);
                rv = (await http.PostJsonAsync("/api/v1/namespaces/default/configmaps", ApiClient.ConfigMap("kept"))).Object.Rv();
            }

            await using var second = await KubeSimServer.StartAsync(new KubeSimOptions { SnapshotPath = path, SimulateControllers = false });
            using var client = new HttpClient { BaseAddress = second.HttpUrl };
            client.DefaultRequestHeaders.Authorization = new("Bearer", second.AdminToken);
            Assert.Equal(rv, (await client.GetJsonAsync("/api/v1/namespaces/default/configmaps/kept")).Expect(HttpStatusCode.OK).Object.Rv());
            (await client.GetJsonAsync("/apis/snapshot.kubesim.io/v1/namespaces/default/things/kept")).Expect(HttpStatusCode.OK);
            var next = (await client.PostJsonAsync("/api/v1/namespaces/default/configmaps", ApiClient.ConfigMap("new"))).Object.Rv();
            Assert.True(long.Parse(next, System.Globalization.CultureInfo.InvariantCulture) > long.Parse(rv, System.Globalization.CultureInfo.InvariantCulture));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
