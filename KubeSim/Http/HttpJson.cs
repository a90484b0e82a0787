using System.Text;
using System.Text.Json.Nodes;
using MultigresOrleans.KubeSim.Api;

namespace MultigresOrleans.KubeSim.Http;

/// <summary>Response helpers: JSON bodies, warning headers and content negotiation.</summary>
internal static class HttpJson
{
    public static async Task WriteAsync(HttpContext http, int status, JsonNode body, RequestContext? ctx = null, string contentType = "application/json")
    {
        if (ctx is not null)
            AddWarnings(http, ctx);
        http.Response.StatusCode = status;
        http.Response.ContentType = contentType;
        var bytes = Encoding.UTF8.GetBytes(body.ToJsonString());
        http.Response.ContentLength = bytes.Length;
        await http.Response.Body.WriteAsync(bytes, http.RequestAborted);
    }

    /// <summary>RFC 7234 warning headers (`299 - "text"`), which kubectl prints as `Warning: text`.</summary>
    public static void AddWarnings(HttpContext http, RequestContext ctx)
    {
        foreach (var w in ctx.Warnings.Distinct())
            http.Response.Headers.Append("Warning", $"299 - \"{w.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\"");
    }

    public static bool WantsTable(HttpRequest request) =>
        request.Headers.Accept.Any(a => a is not null && a.Contains("as=Table", StringComparison.Ordinal));

    public static bool WantsAggregatedDiscovery(HttpRequest request) =>
        request.Headers.Accept.Any(a => a is not null && a.Contains("as=APIGroupDiscoveryList", StringComparison.Ordinal) && a.Contains("v=v2", StringComparison.Ordinal));

    public static async Task<string> ReadBodyAsync(HttpRequest request)
    {
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        return await reader.ReadToEndAsync(request.HttpContext.RequestAborted);
    }
}
