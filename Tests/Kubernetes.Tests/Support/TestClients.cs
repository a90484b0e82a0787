using MultigresOrleans.Kubernetes.Client;

namespace MultigresOrleans.Kubernetes.Tests.Support;

public static class TestClients
{
    public static KubernetesClientConfiguration Config(string server = "https://k8s.test:6443", string? token = "t0ken") => new()
    {
        Server = new Uri(server),
        TokenProvider = token is null ? null : new StaticTokenProvider(token),
    };

    /// <summary>A client over a scripted handler: no rate limit and no jitter unless asked, fake time.</summary>
    public static KubernetesClient Scripted(ScriptedHandler handler, FakeTimeProvider? time = null, KubernetesClientOptions? options = null) =>
        new(Config(), options ?? new KubernetesClientOptions { Qps = 0, RetryJitter = 0, RequestTimeout = null }, time ?? new FakeTimeProvider(), handler: handler);
}
