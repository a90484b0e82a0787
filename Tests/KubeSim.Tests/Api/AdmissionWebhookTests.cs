using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using MultigresOrleans.KubeSim.Tests.Infrastructure;

namespace MultigresOrleans.KubeSim.Tests.Api;

/// <summary>Mutating then validating webhooks over HTTPS with caBundle, failure policies, timeouts, warnings and userInfo.</summary>
[Collection(KubeSimCollection.Name)]
public sealed class AdmissionWebhookTests(KubeSimFixture fixture)
{
    private HttpClient Http => fixture.Http;

    private string CaBundle => Convert.ToBase64String(Encoding.ASCII.GetBytes(fixture.Server.CertificateAuthority.CertificatePem));

    /// <summary>A namespace labelled so that only this test's webhooks select it.</summary>
    private async Task<string> LabelledNamespaceAsync(string prefix)
    {
        var ns = await fixture.NewNamespaceAsync(prefix);
        (await Http.PatchJsonAsync($"/api/v1/namespaces/{ns}", new JsonObject { ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["webhook-test"] = ns } } })).Expect(HttpStatusCode.OK);
        return ns;
    }

    private JsonObject Webhook(string name, string url, string ns, string failurePolicy = "Fail", int timeoutSeconds = 5, string? caBundle = null) => new()
    {
        ["name"] = name,
        ["clientConfig"] = new JsonObject { ["url"] = url, ["caBundle"] = caBundle ?? CaBundle },
        ["rules"] = new JsonArray(new JsonObject
        {
            ["operations"] = new JsonArray("CREATE", "UPDATE"),
            ["apiGroups"] = new JsonArray(""),
            ["apiVersions"] = new JsonArray("v1"),
            ["resources"] = new JsonArray("configmaps"),
            ["scope"] = "Namespaced",
        }),
        ["namespaceSelector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["webhook-test"] = ns } },
        ["failurePolicy"] = failurePolicy,
        ["timeoutSeconds"] = timeoutSeconds,
        ["sideEffects"] = "None",
        ["admissionReviewVersions"] = new JsonArray("v1"),
    };

    private async Task RegisterAsync(string kind, string name, params JsonObject[] webhooks)
    {
        var plural = kind == "Mutating" ? "mutatingwebhookconfigurations" : "validatingwebhookconfigurations";
        var body = new JsonObject
        {
            ["apiVersion"] = "admissionregistration.k8s.io/v1",
            ["kind"] = kind + "WebhookConfiguration",
            ["metadata"] = new JsonObject { ["name"] = name },
            ["webhooks"] = new JsonArray([.. webhooks]),
        };
        (await Http.PostJsonAsync($"/apis/admissionregistration.k8s.io/v1/{plural}", body)).Expect(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Mutating_then_validating_webhooks_patch_warn_deny_and_see_the_caller()
    {
        await using var webhook = await TestWebhookServer.StartAsync(fixture.Server.CertificateAuthority.IssueServerCertificate(TimeProvider.System));
        var ns = await LabelledNamespaceAsync("webhooks");
        await RegisterAsync("Mutating", $"{ns}-mutate", Webhook("mutate.kubesim.io", new Uri(webhook.Url, "/mutate").ToString(), ns));
        await RegisterAsync("Validating", $"{ns}-validate", Webhook("validate.kubesim.io", new Uri(webhook.Url, "/validate").ToString(), ns));

        var operatorToken = fixture.Server.Tokens.IssueServiceAccountToken("multigres-system", "operator");
        using var asOperator = fixture.ClientFor(operatorToken);
        var created = (await asOperator.PostJsonAsync($"/api/v1/namespaces/{ns}/configmaps", ApiClient.ConfigMap("ok"))).Expect(HttpStatusCode.Created);
        Assert.Equal("true", created.Object["metadata"]!["labels"]!["mutated"]!.GetValue<string>());
        Assert.Equal(["299 - \"mutated by test\""], created.Warnings);
        Assert.Contains("system:serviceaccount:multigres-system:operator", webhook.Usernames);

        var denied = await Http.PostJsonAsync($"/api/v1/namespaces/{ns}/configmaps", ApiClient.ConfigMap("bad", data: new JsonObject { ["forbidden"] = "x" }));
        Assert.Equal(HttpStatusCode.Forbidden, denied.Status);
        Assert.Equal("admission webhook \"validate.kubesim.io\" denied the request: forbidden key", denied.Object["message"]!.GetValue<string>());
        Assert.Contains("kubernetes-admin", webhook.Usernames);

        // Other namespaces are not selected.
        var other = await fixture.NewNamespaceAsync("webhooks-other");
        var untouched = (await Http.PostJsonAsync($"/api/v1/namespaces/{other}/configmaps", ApiClient.ConfigMap("bad", data: new JsonObject { ["forbidden"] = "x" }))).Expect(HttpStatusCode.Created);
        Assert.Null(untouched.Object["metadata"]!["labels"]);

        var kubectl = await fixture.Kubectl.RunAsync(["apply", "-n", ns, "-f", "-"], "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: viakubectl}\ndata: {forbidden: x}\n");
        Assert.NotEqual(0, kubectl.ExitCode);
        Assert.Contains("Warning: mutated by test", kubectl.Stderr, StringComparison.Ordinal);
        Assert.Contains("admission webhook \"validate.kubesim.io\" denied the request: forbidden key", kubectl.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Failure_policy_decides_when_a_webhook_cannot_be_called()
    {
        await using var webhook = await TestWebhookServer.StartAsync(fixture.Server.CertificateAuthority.IssueServerCertificate(TimeProvider.System));
        var ns = await LabelledNamespaceAsync("webhook-failure");
        var otherCa = new Security.CertificateAuthority(TimeProvider.System);
        var wrongBundle = Convert.ToBase64String(Encoding.ASCII.GetBytes(otherCa.CertificatePem));
        await RegisterAsync("Validating", $"{ns}-ignore", Webhook("ignore.kubesim.io", new Uri(webhook.Url, "/validate").ToString(), ns, "Ignore", caBundle: wrongBundle));
        (await Http.PostJsonAsync($"/api/v1/namespaces/{ns}/configmaps", ApiClient.ConfigMap("ignored", data: new JsonObject { ["forbidden"] = "x" }))).Expect(HttpStatusCode.Created);

        await RegisterAsync("Validating", $"{ns}-fail", Webhook("fail.kubesim.io", new Uri(webhook.Url, "/validate").ToString(), ns, "Fail", caBundle: wrongBundle));
        var failed = await Http.PostJsonAsync($"/api/v1/namespaces/{ns}/configmaps", ApiClient.ConfigMap("failed"));
        Assert.Equal(HttpStatusCode.InternalServerError, failed.Status);
        Assert.StartsWith("Internal error occurred: failed calling webhook \"fail.kubesim.io\"", failed.Object["message"]!.GetValue<string>(), StringComparison.Ordinal);
        (await Http.DeleteJsonAsync($"/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/{ns}-fail")).Expect(HttpStatusCode.OK);

        await RegisterAsync("Validating", $"{ns}-hang", Webhook("hang.kubesim.io", new Uri(webhook.Url, "/hang").ToString(), ns, "Fail", timeoutSeconds: 1));
        var timedOut = await Http.PostJsonAsync($"/api/v1/namespaces/{ns}/configmaps", ApiClient.ConfigMap("slow"));
        Assert.Equal(HttpStatusCode.InternalServerError, timedOut.Status);
        Assert.Contains("context deadline exceeded", timedOut.Object["message"]!.GetValue<string>(), StringComparison.Ordinal);
        otherCa.Dispose();
    }
}
