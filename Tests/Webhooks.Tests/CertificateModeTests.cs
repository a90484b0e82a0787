using System.Text.Json.Nodes;

namespace MultigresOrleans.Webhooks.Tests;

/// <summary>Spec §9.2's start-up decision: self-signed bootstrap or an externally managed (cert-manager) pair.</summary>
public sealed class CertificateModeTests
{
    private static JsonObject Configuration(string name, string? strategy)
    {
        var metadata = new JsonObject { ["name"] = name };
        if (strategy is not null)
            metadata["annotations"] = new JsonObject { ["multigres.com/cert-strategy"] = strategy, ["other"] = "x" };
        return new JsonObject { ["kind"] = "MutatingWebhookConfiguration", ["metadata"] = metadata, ["webhooks"] = new JsonArray() };
    }

    private static readonly JsonObject?[] CertManagerInstall =
    [
        Configuration(WebhookConfigurations.MutatingName, null),
        Configuration(WebhookConfigurations.ValidatingName, null),
    ];

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void A_missing_certificate_or_key_means_self_signed_even_without_the_annotation(bool certificate, bool key)
    {
        var decision = CertificateModeRules.Decide(certificate, key, CertManagerInstall);
        Assert.Equal(CertificateMode.SelfSigned, decision.Mode);
        Assert.Contains(certificate ? "tls.key" : "tls.crt", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_mounted_pair_and_no_strategy_annotation_is_cert_manager_mode()
    {
        var decision = CertificateModeRules.Decide(true, true, CertManagerInstall);
        Assert.Equal(CertificateMode.External, decision.Mode);
    }

    [Fact]
    public void Missing_configurations_with_a_mounted_pair_are_external_too()
    {
        Assert.Equal(CertificateMode.External, CertificateModeRules.Decide(true, true, [null, null]).Mode);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void Either_configuration_annotated_self_signed_keeps_the_internal_rotation(int annotated)
    {
        var configurations = new JsonObject?[]
        {
            Configuration(WebhookConfigurations.MutatingName, annotated == 0 ? "self-signed" : null),
            Configuration(WebhookConfigurations.ValidatingName, annotated == 1 ? "self-signed" : null),
        };
        var decision = CertificateModeRules.Decide(true, true, configurations);
        Assert.Equal(CertificateMode.SelfSigned, decision.Mode);
        Assert.Contains(annotated == 0 ? WebhookConfigurations.MutatingName : WebhookConfigurations.ValidatingName, decision.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("cert-manager")]
    [InlineData("")]
    public void Another_strategy_value_is_not_self_signed(string value)
    {
        var configurations = new JsonObject?[] { Configuration(WebhookConfigurations.MutatingName, value), null };
        Assert.Equal(CertificateMode.External, CertificateModeRules.Decide(true, true, configurations).Mode);
    }

    [Theory]
    [InlineData("true", false, CertificateMode.SelfSigned)]
    [InlineData("TRUE", true, CertificateMode.SelfSigned)]
    [InlineData("false", false, CertificateMode.External)]
    [InlineData("", false, CertificateMode.SelfSigned)]
    [InlineData("auto", true, CertificateMode.External)]
    public void WEBHOOK_SELF_SIGNED_true_or_false_overrides_the_detection(string value, bool mounted, CertificateMode expected)
    {
        Assert.Equal(expected, CertificateModeRules.Decide(mounted, mounted, CertManagerInstall, value).Mode);
    }

    [Fact]
    public void The_directory_overload_looks_for_tls_crt_and_tls_key()
    {
        var directory = Path.Combine(Path.GetTempPath(), "webhooks-certmode-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(directory);
        try
        {
            Assert.Equal(CertificateMode.SelfSigned, CertificateModeRules.Decide(directory, CertManagerInstall).Mode);
            Assert.True(CertificateModeRules.IsWritable(directory));
            File.WriteAllText(Path.Combine(directory, "tls.crt"), "c");
            Assert.Equal(CertificateMode.SelfSigned, CertificateModeRules.Decide(directory, CertManagerInstall).Mode);
            File.WriteAllText(Path.Combine(directory, "tls.key"), "k");
            Assert.Equal(CertificateMode.External, CertificateModeRules.Decide(directory, CertManagerInstall).Mode);
            Assert.Equal(2, Directory.GetFiles(directory).Length);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
