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

/// <summary>Spec §8.4: the cipher key Secret's checks, with the reference's messages.</summary>
public sealed class CipherKeySecretTests
{
    private static Abstractions.Api.V1Alpha1.Shard Encrypted(string secretName) => PoolPodFixtures.Minimal(s => s with
    {
        Backup = (s.Backup ?? new Abstractions.Api.V1Alpha1.BackupConfig { Type = Abstractions.Api.V1Alpha1.BackupType.Filesystem }) with { Encryption = new Abstractions.Api.V1Alpha1.BackupEncryptionConfig { SecretName = secretName } },
    });

    [Fact]
    public void Without_encryption_nothing_is_checked() =>
        Assert.Null(PgBackRestTlsRules.CheckCipherKeySecret(PoolPodFixtures.Minimal(), null));

    [Fact]
    public void A_missing_secret_or_key_is_named()
    {
        Assert.Equal("pgbackrest cipher key secret name is required when encryption is enabled", PgBackRestTlsRules.CheckCipherKeySecret(Encrypted(""), null));
        Assert.Equal("pgbackrest cipher key secret \"keys\" not found", PgBackRestTlsRules.CheckCipherKeySecret(Encrypted("keys"), null));
        Assert.Equal("pgbackrest cipher key secret \"keys\" missing required key \"keys.json\"",
            PgBackRestTlsRules.CheckCipherKeySecret(Encrypted("keys"), new Secret { Data = new() { ["other"] = [1] } }));
        Assert.Null(PgBackRestTlsRules.CheckCipherKeySecret(Encrypted("keys"), new Secret { Data = new() { ["keys.json"] = Encoding.UTF8.GetBytes("{\"1\":\"x\"}") } }));
    }
}
