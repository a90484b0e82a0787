using System.Text.Json.Nodes;
using MultigresOrleans.Kubernetes.Yaml;

namespace MultigresOrleans.KubeSim.Tests.Infrastructure;

/// <summary>Small CRDs for API tests, one group per test class so classes never share custom types.</summary>
public static class TestCrds
{
    /// <summary>A namespaced `Thing` with status and scale subresources, printer columns and a default.</summary>
    public static JsonObject Things(string group) => (JsonObject)YamlJson.Parse($$"""
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata:
          name: things.{{group}}
        spec:
          group: {{group}}
          names: {kind: Thing, listKind: ThingList, plural: things, singular: thing, shortNames: [th]}
          scope: Namespaced
          versions:
          - name: v1
            served: true
            storage: true
            subresources:
              status: {}
              scale: {specReplicasPath: .spec.replicas, statusReplicasPath: .status.replicas, labelSelectorPath: .status.selector}
            additionalPrinterColumns:
            - {name: Replicas, type: integer, jsonPath: .spec.replicas}
            - {name: Phase, type: string, jsonPath: .status.phase}
            - {name: Available, type: string, jsonPath: ".status.conditions[?(@.type=='Available')].status"}
            - {name: Age, type: date, jsonPath: .metadata.creationTimestamp}
            schema:
              openAPIV3Schema:
                type: object
                properties:
                  spec:
                    type: object
                    properties:
                      replicas: {type: integer, minimum: 0, default: 1}
                      mode: {type: string, enum: [fast, safe], default: safe}
                      tags:
                        type: array
                        items: {type: string}
                      ports:
                        type: array
                        x-kubernetes-list-type: map
                        x-kubernetes-list-map-keys: [name]
                        items:
                          type: object
                          required: [name]
                          properties:
                            name: {type: string}
                            port: {type: integer}
                      free:
                        type: object
                        x-kubernetes-preserve-unknown-fields: true
                  status:
                    type: object
                    properties:
                      replicas: {type: integer}
                      selector: {type: string}
                      phase: {type: string}
                      conditions:
                        type: array
                        items:
                          type: object
                          properties:
                            type: {type: string}
                            status: {type: string}
        """)!;

    public static JsonObject Thing(string group, string name, JsonObject? spec = null) => new()
    {
        ["apiVersion"] = $"{group}/v1",
        ["kind"] = "Thing",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["spec"] = spec ?? new JsonObject(),
    };

    public static async Task InstallAsync(HttpClient http, JsonObject crd)
    {
        var name = crd["metadata"]!["name"]!.GetValue<string>();
        var existing = await http.GetJsonAsync($"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{name}");
        if (existing.Status == System.Net.HttpStatusCode.OK)
            return;
        (await http.PostJsonAsync("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd)).Expect(System.Net.HttpStatusCode.Created);
    }
}
