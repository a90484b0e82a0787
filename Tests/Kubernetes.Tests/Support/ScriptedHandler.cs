using System.Collections.Concurrent;
using System.Net;
using System.Text;

namespace MultigresOrleans.Kubernetes.Tests.Support;

/// <summary>What the client sent, captured in full.</summary>
public sealed record RecordedRequest(string Method, string PathAndQuery, string? ContentType, string? Body, string? Authorization, Version Version)
{
    public string Path => PathAndQuery.Split('?')[0];
    public string Query => PathAndQuery.Contains('?', StringComparison.Ordinal) ? PathAndQuery[(PathAndQuery.IndexOf('?', StringComparison.Ordinal) + 1)..] : "";

    public IReadOnlyDictionary<string, string> QueryParameters => Query.Length == 0
        ? new Dictionary<string, string>()
        : Query.Split('&').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => Uri.UnescapeDataString(p.Length > 1 ? p[1] : ""));
}

/// <summary>
/// An HttpMessageHandler that answers from a script of canned responses (recorded Kubernetes
/// shapes) and records every request, for asserting the exact wire form of each verb.
/// </summary>
public sealed class ScriptedHandler : HttpMessageHandler
{
    private readonly ConcurrentQueue<Func<RecordedRequest, HttpResponseMessage>> _script = new();
    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    /// <summary>Answers when the script is empty.</summary>
    public Func<RecordedRequest, HttpResponseMessage>? Fallback { get; set; }

    public ScriptedHandler Enqueue(Func<RecordedRequest, HttpResponseMessage> response)
    {
        _script.Enqueue(response);
        return this;
    }

    public ScriptedHandler Enqueue(HttpStatusCode code, string json, Action<HttpResponseMessage>? configure = null) =>
        Enqueue(_ =>
        {
            var r = Json(code, json);
            configure?.Invoke(r);
            return r;
        });

    public static HttpResponseMessage Json(HttpStatusCode code, string json) =>
        new(code) { Content = new StringContent(json, Encoding.UTF8, "application/json") };

    public static string StatusJson(int code, string reason, string message, string? details = null) =>
        $$"""{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"{{message}}","reason":"{{reason}}","code":{{code}}{{(details is null ? "" : ",\"details\":" + details)}}}""";

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
        var recorded = new RecordedRequest(request.Method.Method, request.RequestUri!.PathAndQuery,
            request.Content?.Headers.ContentType?.MediaType, body, request.Headers.Authorization?.ToString(), request.Version);
        Requests.Enqueue(recorded);
        if (_script.TryDequeue(out var next)) return next(recorded);
        if (Fallback is not null) return Fallback(recorded);
        throw new InvalidOperationException($"unscripted request {recorded.Method} {recorded.PathAndQuery}");
    }
}
