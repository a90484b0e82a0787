using System.Text.Json.Nodes;

namespace MultigresOrleans.Webhooks;

/// <summary>
/// The two admission configurations of spec §2.1 and §3 as objects (installer, sandbox and tests
/// register exactly what the reference ships): failurePolicy Fail, sideEffects None, v1 reviews,
/// timeoutSeconds 10 (the server's own timeout is below it).
/// </summary>
public static class WebhookConfigurations
{
    public const string MutatingName = "multigres-operator-mutating-webhook-configuration";
    public const string ValidatingName = "multigres-operator-validating-webhook-configuration";

    private static readonly (string Webhook, string Suffix, string Resource, string[] Operations)[] Validating =
    [
        ("vmultigrescluster.kb.io", "multigrescluster", "multigresclusters", ["CREATE", "UPDATE"]),
        ("vcoretemplate.kb.io", "coretemplate", "coretemplates", ["DELETE"]),
        ("vcelltemplate.kb.io", "celltemplate", "celltemplates", ["CREATE", "UPDATE", "DELETE"]),
        ("vshardtemplate.kb.io", "shardtemplate", "shardtemplates", ["CREATE", "UPDATE", "DELETE"]),
        ("vcell.kb.io", "cell", "cells", ["CREATE", "UPDATE", "DELETE"]),
        ("vshard.kb.io", "shard", "shards", ["CREATE", "UPDATE", "DELETE"]),
        ("vtoposerver.kb.io", "toposerver", "toposervers", ["CREATE", "UPDATE", "DELETE"]),
        ("vtablegroup.kb.io", "tablegroup", "tablegroups", ["CREATE", "UPDATE", "DELETE"]),
    ];

    public static JsonObject Mutating(string serviceNamespace, string serviceName, string? caBundle = null) => Configuration(
        "MutatingWebhookConfiguration", MutatingName,
        Webhook("mmultigrescluster.kb.io", WebhookEndpoints.MutatePath, "multigresclusters", ["CREATE", "UPDATE"], serviceNamespace, serviceName, caBundle));

    public static JsonObject ValidatingConfiguration(string serviceNamespace, string serviceName, string? caBundle = null) => Configuration(
        "ValidatingWebhookConfiguration", ValidatingName,
        [.. Validating.Select(v => Webhook(v.Webhook, WebhookEndpoints.ValidatePrefix + v.Suffix, v.Resource, v.Operations, serviceNamespace, serviceName, caBundle))]);

    private static JsonObject Configuration(string kind, string name, params JsonObject[] webhooks) => new()
    {
        ["apiVersion"] = "admissionregistration.k8s.io/v1",
        ["kind"] = kind,
        ["metadata"] = new JsonObject { ["name"] = name },
        ["webhooks"] = new JsonArray([.. webhooks]),
    };

    private static JsonObject Webhook(string name, string path, string resource, string[] operations, string serviceNamespace, string serviceName, string? caBundle)
    {
        var clientConfig = new JsonObject
        {
            ["service"] = new JsonObject { ["namespace"] = serviceNamespace, ["name"] = serviceName, ["path"] = path, ["port"] = 443 },
        };
        if (caBundle is not null)
            clientConfig["caBundle"] = caBundle;
        return new JsonObject
        {
            ["name"] = name,
            ["clientConfig"] = clientConfig,
            ["rules"] = new JsonArray(new JsonObject
            {
                ["operations"] = new JsonArray([.. operations.Select(o => (JsonNode)o)]),
                ["apiGroups"] = new JsonArray("multigres.com"),
                ["apiVersions"] = new JsonArray("v1alpha1"),
                ["resources"] = new JsonArray(resource),
            }),
            ["failurePolicy"] = "Fail",
            ["sideEffects"] = "None",
            ["timeoutSeconds"] = 10,
            ["admissionReviewVersions"] = new JsonArray("v1"),
        };
    }
}
