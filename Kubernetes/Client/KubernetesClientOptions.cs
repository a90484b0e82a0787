namespace MultigresOrleans.Kubernetes.Client;

/// <summary>How the client behaves under load. The defaults follow client-go where it has one.</summary>
public sealed record KubernetesClientOptions
{
    /// <summary>Sustained requests per second; zero or less turns client-side rate limiting off.</summary>
    public double Qps { get; init; } = 50;

    /// <summary>Requests that may be sent at once before <see cref="Qps"/> applies.</summary>
    public int Burst { get; init; } = 100;

    /// <summary>
    /// Retries after the first attempt for a retryable failure (429, a 5xx with Retry-After, a
    /// 5xx or connection error on an idempotent request, a connection that was never made).
    /// </summary>
    public int MaxRetries { get; init; } = 5;

    /// <summary>First backoff when the server gave no Retry-After; doubled each attempt.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Upper bound of a computed backoff.</summary>
    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Upper bound of a server's Retry-After, so a confused server cannot park a request for hours.</summary>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Fraction (0–1) of each computed backoff that is randomised so clients that failed together do not retry together.</summary>
    public double RetryJitter { get; init; } = 0.2;

    /// <summary>Time allowed for one attempt of a non-watch request, body included; null waits forever.</summary>
    public TimeSpan? RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public string UserAgent { get; init; } = "MultigresOrleans.Kubernetes/1.0";
}
