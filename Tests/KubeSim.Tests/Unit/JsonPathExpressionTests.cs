using System.Text.Json.Nodes;
using MultigresOrleans.KubeSim.Tables;

namespace MultigresOrleans.KubeSim.Tests.Unit;

public sealed class JsonPathExpressionTests
{
    private static readonly JsonNode Doc = JsonNode.Parse("""
        {"metadata":{"name":"x","labels":{"app.kubernetes.io/name":"pg"}},
         "spec":{"replicas":3,"cells":[{"name":"a","zone":"z1"},{"name":"b","zone":"z2"}]},
         "status":{"conditions":[{"type":"Ready","status":"True"},{"type":"Available","status":"False"}],"count":2}}
        """)!;

    [Theory]
    [InlineData(".metadata.name", "x")]
    [InlineData("{.spec.replicas}", "3")]
    [InlineData(".spec.cells[1].zone", "z2")]
    [InlineData(".spec.cells[-1].name", "b")]
    [InlineData(".spec.cells[*].name", "a b")]
    [InlineData(".status.conditions[?(@.type=='Available')].status", "False")]
    [InlineData(".status.conditions[?(@.type==\"Ready\")].status", "True")]
    [InlineData(".status.conditions[?(@.status!='True')].type", "Available")]
    [InlineData(".spec.cells[?(@.name)].zone", "z1 z2")]
    [InlineData(".metadata.labels['app.kubernetes.io/name']", "pg")]
    [InlineData("status.count", "2")]
    [InlineData(".spec.missing", "")]
    public void Evaluates_the_subset_printer_columns_use(string path, string expected) =>
        Assert.Equal(expected, JsonPathExpression.Print(JsonPathExpression.Parse(path).Evaluate(Doc)));
}
