using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace MultigresOrleans.KubeSim.Tests.Infrastructure;

/// <summary>Raw REST calls for the API tests: status code, body and headers, no client library in between.</summary>
public sealed record ApiResponse(HttpStatusCode Status, JsonNode? Body, IReadOnlyList<string> Warnings, string ContentType)
{
    public JsonObject Object => Body as JsonObject ?? throw new InvalidOperationException($"not an object: {Body}");

    public ApiResponse Expect(HttpStatusCode status) =>
        Status == status ? this : throw new InvalidOperationException($"expected {(int)status}, got {(int)Status}: {Body}");
}

public static class ApiClient
{
    public static async Task<ApiResponse> SendAsync(this HttpClient http, HttpMethod method, string path, JsonNode? body = null,
        string contentType = "application/json", string? accept = null, string? rawBody = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null || rawBody is not null)
        {
            request.Content = new StringContent(rawBody ?? body!.ToJsonString(), Encoding.UTF8);
            request.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
        }
        if (accept is not null)
            request.Headers.TryAddWithoutValidation("Accept", accept);
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var warnings = response.Headers.TryGetValues("Warning", out var w) ? w.ToList() : [];
        return new ApiResponse(response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text), warnings,
            response.Content.Headers.ContentType?.ToString() ?? "");
    }

    public static Task<ApiResponse> GetJsonAsync(this HttpClient http, string path, string? accept = null) =>
        http.SendAsync(HttpMethod.Get, path, accept: accept);

    public static Task<ApiResponse> PostJsonAsync(this HttpClient http, string path, JsonNode body) =>
        http.SendAsync(HttpMethod.Post, path, body);

    public static Task<ApiResponse> PutJsonAsync(this HttpClient http, string path, JsonNode body) =>
        http.SendAsync(HttpMethod.Put, path, body);

    public static Task<ApiResponse> PatchJsonAsync(this HttpClient http, string path, JsonNode body, string contentType = "application/merge-patch+json") =>
        http.SendAsync(HttpMethod.Patch, path, body, contentType);

    public static Task<ApiResponse> DeleteJsonAsync(this HttpClient http, string path, JsonNode? options = null) =>
        http.SendAsync(HttpMethod.Delete, path, options);

    public static JsonObject ConfigMap(string name, string? ns = null, JsonObject? data = null, JsonObject? labels = null)
    {
        var meta = new JsonObject { ["name"] = name };
        if (ns is not null)
            meta["namespace"] = ns;
        if (labels is not null)
            meta["labels"] = labels;
        return new JsonObject { ["apiVersion"] = "v1", ["kind"] = "ConfigMap", ["metadata"] = meta, ["data"] = data ?? new JsonObject { ["k"] = "v" } };
    }

    public static string Rv(this JsonObject obj) => obj["metadata"]!["resourceVersion"]!.GetValue<string>();
}
