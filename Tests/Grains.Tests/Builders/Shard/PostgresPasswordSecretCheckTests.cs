using System.Text;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Builders.Shards;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Grains.Tests.Builders.Shards;

public sealed class PostgresPasswordSecretCheckTests
{
    private static readonly PostgresPasswordSecretRef Reference = new() { Name = "multigres-admin-password", Key = "password" };

    private static Secret WithData(string key, string value) => new()
    {
        Metadata = new ObjectMeta { Name = Reference.Name, Namespace = "default" },
        Data = new Dictionary<string, byte[]> { [key] = Encoding.UTF8.GetBytes(value) },
    };

    [Fact]
    public void A_secret_with_a_non_empty_value_passes()
    {
        Assert.Null(PostgresPasswordSecretCheck.Validate(WithData("password", "postgres"), Reference));
        Assert.Null(PostgresPasswordSecretCheck.Validate(new Secret { StringData = new Dictionary<string, string> { ["password"] = "x" } }, Reference));
    }

    [Fact]
    public void A_missing_secret_reports_the_get_error()
    {
        Assert.Equal(
            "failed to get postgres password Secret \"multigres-admin-password\": secrets \"multigres-admin-password\" not found",
            PostgresPasswordSecretCheck.Validate(null, Reference));
        Assert.Equal(
            "failed to get postgres password Secret \"multigres-admin-password\": forbidden",
            PostgresPasswordSecretCheck.Validate(null, Reference, "forbidden"));
    }

    [Fact]
    public void A_missing_key_is_reported()
    {
        Assert.Equal(
            "key \"password\" not found in postgres password Secret \"multigres-admin-password\"",
            PostgresPasswordSecretCheck.Validate(WithData("other", "x"), Reference));
        Assert.Equal(
            "key \"password\" not found in postgres password Secret \"multigres-admin-password\"",
            PostgresPasswordSecretCheck.Validate(new Secret(), Reference));
    }

    [Fact]
    public void An_empty_value_is_reported()
    {
        Assert.Equal(
            "key \"password\" in postgres password Secret \"multigres-admin-password\" is empty",
            PostgresPasswordSecretCheck.Validate(WithData("password", ""), Reference));
        Assert.Equal(
            "key \"password\" in postgres password Secret \"multigres-admin-password\" is empty",
            PostgresPasswordSecretCheck.Validate(new Secret { StringData = new Dictionary<string, string> { ["password"] = "" } }, Reference));
    }

    [Fact]
    public void The_event_wraps_the_inner_error()
    {
        Assert.Equal("Failed to reconcile postgres password Secret: boom", PostgresPasswordSecretCheck.EventMessage("boom"));
    }
}
