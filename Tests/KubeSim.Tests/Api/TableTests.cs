using System.Net;
using System.Text.Json.Nodes;
using MultigresOrleans.KubeSim.Tests.Infrastructure;

namespace MultigresOrleans.KubeSim.Tests.Api;

/// <summary>Server-side printing: CRD printer columns, typed cells, humanised ages on the server clock.</summary>
[Collection(KubeSimCollection.Name)]
public sealed class TableTests(KubeSimFixture fixture)
{
    private const string Group = "tables.kubesim.io";
    private const string TableAccept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";

    [Fact]
    public async Task Custom_resource_tables_use_printer_columns_with_filters_and_typed_cells()
    {
        await TestCrds.InstallAsync(fixture.Http, TestCrds.Things(Group));
        var ns = await fixture.NewNamespaceAsync("table");
        var path = $"/apis/{Group}/v1/namespaces/{ns}/things";
        (await fixture.Http.PostJsonAsync(path, TestCrds.Thing(Group, "t1", new JsonObject { ["replicas"] = 3 }))).Expect(HttpStatusCode.Created);
        await fixture.Http.PatchJsonAsync($"{path}/t1/status", JsonNode.Parse("""
            {"status":{"phase":"Running","conditions":[{"type":"Progressing","status":"True"},{"type":"Available","status":"False"}]}}
            """)!);
        fixture.Time.Advance(TimeSpan.FromSeconds(182));

        var table = (await fixture.Http.GetJsonAsync(path, TableAccept)).Expect(HttpStatusCode.OK).Object;
        Assert.Equal("Table", table["kind"]!.GetValue<string>());
        Assert.Equal("meta.k8s.io/v1", table["apiVersion"]!.GetValue<string>());
        Assert.Equal(["Name", "Replicas", "Phase", "Available", "Age"], table["columnDefinitions"]!.AsArray().Select(c => c!["name"]!.GetValue<string>()));
        Assert.Equal("name", table["columnDefinitions"]![0]!["format"]!.GetValue<string>());
        var cells = table["rows"]![0]!["cells"]!.AsArray();
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""["t1",3,"Running","False","3m2s"]"""), cells), cells.ToJsonString());
        Assert.Equal("PartialObjectMetadata", table["rows"]![0]!["object"]!["kind"]!.GetValue<string>());

        var single = (await fixture.Http.GetJsonAsync($"{path}/t1?includeObject=Object", TableAccept)).Object;
        Assert.Equal("Thing", single["rows"]![0]!["object"]!["kind"]!.GetValue<string>());
    }

    [Fact]
    public async Task Built_in_tables_have_name_and_age()
    {
        var ns = await fixture.NewNamespaceAsync("table-builtin");
        await fixture.Http.PostJsonAsync($"/api/v1/namespaces/{ns}/configmaps", ApiClient.ConfigMap("c"));
        fixture.Time.Advance(TimeSpan.FromHours(51));
        var table = (await fixture.Http.GetJsonAsync($"/api/v1/namespaces/{ns}/configmaps", TableAccept)).Object;
        Assert.Equal(["Name", "Data", "Age"], table["columnDefinitions"]!.AsArray().Select(c => c!["name"]!.GetValue<string>()));
        Assert.Equal("2d3h", table["rows"]![0]!["cells"]![2]!.GetValue<string>());
    }
}
