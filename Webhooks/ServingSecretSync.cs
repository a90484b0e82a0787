using Microsoft.Extensions.Logging;
using MultigresOrleans.Grains.Certificates;
using MultigresOrleans.Kubernetes.Client;

namespace MultigresOrleans.Webhooks;

/// <summary>
/// The kubelet's job, for a webhook that writes its own certificate directory (development, the
/// sandbox, tests): when the certificate grain rotates the serving Secret, nobody projects the new pair
/// into the directory, so this polls the Secret every <see cref="Period"/> (on the injected clock) and
/// rewrites the files when they differ. <see cref="ReloadingCertificate"/> then serves the new pair to
/// new TLS handshakes while open connections keep theirs. A poll rather than a watch: one GET per
/// period is negligible, needs no reconnect logic, and bounds the delay just as well. Failures are
/// logged and retried next period; the previous pair keeps being served.
/// </summary>
public sealed class ServingSecretSync : IAsyncDisposable
{
    public static readonly TimeSpan DefaultPeriod = TimeSpan.FromSeconds(10);

    private readonly WebhookPki _pki;
    private readonly string _directory;
    private readonly Action? _written;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly PeriodicTimer _timer;
    private Task? _loop;
    private int _writes;

    /// <param name="written">called after a new pair was written (the server reloads at once instead of waiting for the file watcher)</param>
    public ServingSecretSync(KubernetesClient client, WebhookPkiOptions options, string directory, TimeProvider time, ILogger logger, TimeSpan? period = null, Action? written = null)
    {
        ArgumentNullException.ThrowIfNull(time);
        Period = period ?? DefaultPeriod;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(Period, TimeSpan.Zero);
        _pki = new WebhookPki(client, options, time, logger);
        _directory = directory;
        _written = written;
        _logger = logger;
        _timer = new PeriodicTimer(Period, time);
    }

    public TimeSpan Period { get; }

    /// <summary>How many times a new pair was written; lets tests wait for a sync.</summary>
    public int Writes => Volatile.Read(ref _writes);

    public void Start() => _loop ??= Task.Run(LoopAsync);

    /// <summary>One poll: reads the Secret and rewrites the files when they differ; returns whether it wrote.</summary>
    public async Task<bool> SyncOnceAsync(CancellationToken cancellationToken = default)
    {
        var serving = await _pki.ReadServingAsync(cancellationToken).ConfigureAwait(false);
        if (serving is null || CertificateFiles.Holds(_directory, serving))
            return false;
        await CertificateFiles.WriteAsync(_directory, serving, cancellationToken).ConfigureAwait(false);
        Log.ServingSecretWritten(_logger, _pki.Options.Namespace, _pki.Options.ServingSecretName, _directory);
        _written?.Invoke();
        Interlocked.Increment(ref _writes); // last: a test that saw the count also sees the callback's effect
        return true;
    }

    private async Task LoopAsync()
    {
        try
        {
            while (await _timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                try
                {
                    await SyncOnceAsync(_stop.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is KubernetesApiException or HttpRequestException or IOException or UnauthorizedAccessException
                    || (e is TaskCanceledException && !_stop.IsCancellationRequested))
                {
                    Log.ServingSecretSyncFailed(_logger, _pki.Options.Namespace, _pki.Options.ServingSecretName, e.Message);
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _timer.Dispose();
        if (_loop is not null)
            await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }
}
