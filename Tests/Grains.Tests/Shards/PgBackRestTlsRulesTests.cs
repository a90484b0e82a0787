using System.Text;
using MultigresOrleans.Grains.Shards;
using MultigresOrleans.Grains.Tests.Builders.PoolPods;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Grains.Tests.Shards;

/// <summary>Spec §8.2: the pgBackRest server certificate's names and the user Secret's checks.</summary>
public sealed class PgBackRestTlsRulesTests
{
    [Fact]
    public void The_server_certificate_names_the_service_and_every_pool_cells_headless_service()
    {
        var shard = PoolPodFixtures.Minimal();

        var request = PgBackRestTlsRules.ServerRequest(shard);

        Assert.Equal("pgbackrest", request.ServiceName);
        Assert.True(request.ClientAuth);
        Assert.Equal(
        [
            "pgbackrest.default.svc", "pgbackrest.default.svc.cluster.local",
            "*.minimal-postgres-default-0-inf-pool-default-zone-a-h---22cdf02c.default.svc",
            "*.minimal-postgres-default-0-inf-pool-default-zone-a-h---22cdf02c.default.svc.cluster.local",
        ], request.DnsNames);
    }

    [Fact]
    public void A_new_cell_changes_the_name_set_so_the_certificate_is_reissued()
    {
        var one = PgBackRestTlsRules.ServerRequest(PoolPodFixtures.Minimal());
        var two = PgBackRestTlsRules.ServerRequest(PoolPodFixtures.Minimal(s => s with
        {
            Pools = s.Pools.ToDictionary(p => p.Key, p => p.Value with { Cells = ["zone-a", "zone-b"] }),
        }));

        Assert.Equal(one.DnsNames.Count + 2, two.DnsNames.Count);
        Assert.Contains(two.DnsNames, n => n.Contains("zone-b", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(null, "pgbackrest TLS secret \"mine\" not found")]
    [InlineData("ca.crt", "pgbackrest TLS secret \"mine\" missing required key \"tls.crt\"")]
    [InlineData("ca.crt,tls.crt", "pgbackrest TLS secret \"mine\" missing required key \"tls.key\"")]
    [InlineData("tls.crt,tls.key", "pgbackrest TLS secret \"mine\" missing required key \"ca.crt\"")]
    [InlineData("ca.crt,tls.crt,tls.key", null)]
    public void A_user_secret_must_hold_its_three_keys_checked_in_order(string? keys, string? expected)
    {
        var secret = keys is null ? null : new Secret
        {
            Data = keys.Split(',').ToDictionary(k => k, _ => Encoding.UTF8.GetBytes("x")),
        };

        Assert.Equal(expected, PgBackRestTlsRules.CheckUserSecret("mine", secret));
    }
}
