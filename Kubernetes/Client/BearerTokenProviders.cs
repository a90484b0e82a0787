namespace MultigresOrleans.Kubernetes.Client;

/// <summary>Supplies the bearer token for each request; asked every time so a rotated token is picked up.</summary>
public interface IBearerTokenProvider
{
    ValueTask<string?> GetTokenAsync(CancellationToken cancellationToken);
}

/// <summary>A fixed token, e.g. from a kubeconfig <c>token</c> field.</summary>
public sealed class StaticTokenProvider(string token) : IBearerTokenProvider
{
    public ValueTask<string?> GetTokenAsync(CancellationToken cancellationToken) => ValueTask.FromResult<string?>(token);
}

/// <summary>
/// A token read from a file and re-read when it changes: projected service-account tokens are
/// rotated by the kubelet (hourly by default) and an old one is rejected once it expires. The
/// file's write time is checked on every request (one stat call); in addition the file is re-read
/// at least every <paramref name="maxAge"/>, because the kubelet swaps a symlink and some file
/// systems report the old time stamp through it.
/// </summary>
public sealed class FileTokenProvider(string path, TimeProvider? timeProvider = null, TimeSpan? maxAge = null) : IBearerTokenProvider
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;
    private readonly TimeSpan _maxAge = maxAge ?? TimeSpan.FromMinutes(1);
    private readonly Lock _lock = new();
    private string? _token;
    private DateTime _writeTime;
    private DateTimeOffset _readAt;

    public string Path { get; } = path;

    public async ValueTask<string?> GetTokenAsync(CancellationToken cancellationToken)
    {
        var writeTime = File.GetLastWriteTimeUtc(Path);
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            if (_token is not null && writeTime == _writeTime && now - _readAt < _maxAge)
                return _token;
        }

        var text = (await File.ReadAllTextAsync(Path, cancellationToken).ConfigureAwait(false)).Trim();
        lock (_lock)
        {
            _token = text;
            _writeTime = writeTime;
            _readAt = now;
        }
        return text;
    }
}
