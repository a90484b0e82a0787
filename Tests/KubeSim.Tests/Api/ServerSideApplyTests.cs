using System.Net;
using System.Text.Json.Nodes;
using MultigresOrleans.KubeSim.Tests.Infrastructure;

namespace MultigresOrleans.KubeSim.Tests.Api;

/// <summary>Server-side apply: managed fields per manager, conflicts, force, shared ownership, field removal.</summary>
[Collection(KubeSimCollection.Name)]
public sealed class ServerSideApplyTests(KubeSimFixture fixture)
{
    private const string Group = "ssa.kubesim.io";
    private HttpClient Http => fixture.Http;

    private Task<ApiResponse> ApplyAsync(string path, string manager, string yaml, bool force = false) =>
        Http.SendAsync(HttpMethod.Patch, $"{path}?fieldManager={manager}" + (force ? "&force=true" : ""), rawBody: yaml, contentType: "application/apply-patch+yaml");

    private static string Thing(string body) => $"""
        apiVersion: {Group}/v1
        kind: Thing
        metadata:
          name: t1
        {body}
        """;

    [Fact]
    public async Task Apply_creates_then_tracks_fields_per_manager_and_removes_fields_no_longer_applied()
    {
        await TestCrds.InstallAsync(Http, TestCrds.Things(Group));
        var ns = await fixture.NewNamespaceAsync("ssa");
        var path = $"/apis/{Group}/v1/namespaces/{ns}/things/t1";

        var created = (await ApplyAsync(path, "alice", Thing("""
            spec:
              replicas: 2
              tags: [a, b]
              ports:
              - {name: http, port: 80}
            """))).Expect(HttpStatusCode.Created).Object;
        var entry = created["metadata"]!["managedFields"]!.AsArray().Single()!;
        Assert.Equal("alice", entry["manager"]!.GetValue<string>());
        Assert.Equal("Apply", entry["operation"]!.GetValue<string>());
        Assert.NotNull(entry["fieldsV1"]!["f:spec"]!["f:ports"]!["k:{\"name\":\"http\"}"]);

        // bob co-owns the port list with his own entry; the same value is shared, not a conflict.
        (await ApplyAsync(path, "bob", Thing("""
            spec:
              replicas: 2
              ports:
              - {name: metrics, port: 9090}
            """))).Expect(HttpStatusCode.OK);

        var conflict = await ApplyAsync(path, "bob", Thing("""
            spec:
              replicas: 5
            """));
        Assert.Equal(HttpStatusCode.Conflict, conflict.Status);
        Assert.Equal("Apply failed with 1 conflict: conflict with \"alice\": .spec.replicas", conflict.Object["message"]!.GetValue<string>());
        Assert.Equal(".spec.replicas", conflict.Object["details"]!["causes"]![0]!["field"]!.GetValue<string>());

        // alice stops applying tags and the http port: both go; replicas stays (bob co-owns it).
        var shrunk = (await ApplyAsync(path, "alice", Thing("""
            spec:
              mode: fast
            """))).Expect(HttpStatusCode.OK).Object;
        Assert.Null(shrunk["spec"]!["tags"]);
        Assert.Equal(["metrics"], shrunk["spec"]!["ports"]!.AsArray().Select(p => p!["name"]!.GetValue<string>()));
        Assert.Equal(2, shrunk["spec"]!["replicas"]!.GetValue<long>());

        var forced = (await ApplyAsync(path, "carol", Thing("""
            spec:
              mode: safe
            """), force: true)).Expect(HttpStatusCode.OK).Object;
        Assert.Equal("safe", forced["spec"]!["mode"]!.GetValue<string>());
        // alice owned only spec.mode; losing it to the forced apply leaves her no entry at all.
        Assert.DoesNotContain(forced["metadata"]!["managedFields"]!.AsArray(), e => e!["manager"]!.GetValue<string>() == "alice");
        Assert.Contains(forced["metadata"]!["managedFields"]!.AsArray(), e => e!["manager"]!.GetValue<string>() == "carol");
    }

    [Fact]
    public async Task Apply_requires_a_field_manager_and_updates_record_update_entries()
    {
        var ns = await fixture.NewNamespaceAsync("ssa-manager");
        var path = $"/api/v1/namespaces/{ns}/configmaps/c";
        var missing = await Http.SendAsync(HttpMethod.Patch, path, rawBody: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n", contentType: "application/apply-patch+yaml");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, missing.Status);

        (await Http.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps?fieldManager=writer", ApiClient.ConfigMap("c"))).Expect(HttpStatusCode.Created);
        var conflict = await ApplyAsync(path, "applier", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {k: other}\n");
        Assert.Equal(HttpStatusCode.Conflict, conflict.Status);
        Assert.Contains("conflict with \"writer\" using v1", conflict.Object["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Webhook_entries_merge_by_name_so_a_ca_bundle_apply_keeps_the_installers_rules()
    {
        const string name = "ssa-webhooks-merge";
        var path = $"/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/{name}";
        (await ApplyAsync(path, "installer", $$"""
            apiVersion: admissionregistration.k8s.io/v1
            kind: ValidatingWebhookConfiguration
            metadata: {name: {{name}}}
            webhooks:
              - name: a.example.com
                admissionReviewVersions: [v1]
                sideEffects: None
                clientConfig:
                  service: {name: svc, namespace: ns, path: /a}
                rules:
                  - {operations: [CREATE], apiGroups: [example.com], apiVersions: [v1], resources: [things]}
            """)).Expect(HttpStatusCode.Created);

        var patched = (await ApplyAsync(path, "cert", $$"""
            apiVersion: admissionregistration.k8s.io/v1
            kind: ValidatingWebhookConfiguration
            metadata: {name: {{name}}}
            webhooks:
              - name: a.example.com
                admissionReviewVersions: [v1]
                sideEffects: None
                clientConfig:
                  caBundle: Q0E=
                  service: {name: svc, namespace: ns, path: /a}
            """, force: true)).Expect(HttpStatusCode.OK).Object;

        var webhook = Assert.Single(patched["webhooks"]!.AsArray())!;
        Assert.Equal("Q0E=", webhook["clientConfig"]!["caBundle"]!.GetValue<string>());
        Assert.Equal("things", webhook["rules"]![0]!["resources"]![0]!.GetValue<string>());
    }
}
