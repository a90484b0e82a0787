namespace MultigresOrleans.Webhooks;

/// <summary>Process settings of the admission server; bound from configuration section "Webhook".</summary>
public sealed class WebhookOptions
{
    public const string DefaultOperatorUser = "system:serviceaccount:multigres-operator:multigres-operator-controller-manager";

    /// <summary>The only principal (besides the garbage and namespace controllers) that may write child CRs (spec §3.3).</summary>
    public string OperatorUser { get; set; } = DefaultOperatorUser;

    /// <summary>Where tls.crt/tls.key are projected (spec §9.2 default).</summary>
    public string CertDirectory { get; set; } = "/var/run/secrets/webhook";

    public int Port { get; set; } = 9443;

    /// <summary>
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> of the process (spec §10.5: tracing is on only when it is set).
    /// When on, the webhook's spans are recorded and the mutating webhook writes the trace bridge annotations.
    /// </summary>
    public string? OtlpEndpoint { get; set; }

    public bool TracingEnabled => !string.IsNullOrWhiteSpace(OtlpEndpoint);

    /// <summary>
    /// The API server never sends more than its own 3 MiB request limit plus the envelope; anything
    /// larger is not an AdmissionReview we can act on, so it is refused before it is buffered.
    /// </summary>
    public long MaxRequestBytes { get; set; } = 6 * 1024 * 1024;

    /// <summary>
    /// Below the configurations' timeoutSeconds (10 s): an answer that arrives after the API server
    /// gave up is wasted, and a clear denial beats the API server's generic timeout error.
    /// </summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(8);
}
