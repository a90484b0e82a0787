namespace MultigresOrleans.Etcd;

/// <summary>Base of every failure the etcd client reports. Absent keys and failed compares are values, not exceptions.</summary>
public abstract class EtcdException : Exception
{
    protected EtcdException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>What went wrong with one endpoint during one exchange.</summary>
public enum EndpointFailureKind
{
    /// <summary>The TCP connection could not be opened: the request was never sent.</summary>
    ConnectionFailed,

    /// <summary>No answer within <see cref="EtcdClientOptions.RequestTimeout"/>.</summary>
    TimedOut,

    /// <summary>The endpoint answered gRPC UNAVAILABLE (no leader, stopping, ...).</summary>
    ServerUnavailable,

    /// <summary>The connection broke after the request may have been sent.</summary>
    ConnectionLost,
}

/// <summary>One failed exchange, kept so an <see cref="EtcdUnavailableException"/> can say what happened where.</summary>
public sealed record EndpointFailure(string Endpoint, EndpointFailureKind Kind, string Detail);

/// <summary>
/// No endpoint could serve the call within the attempt budget. The message names every endpoint
/// and starts with "UNAVAILABLE", the text the reference operator matches to mean "topology
/// unavailable" (dataplane-contracts §4.3).
/// </summary>
public sealed class EtcdUnavailableException : EtcdException
{
    public EtcdUnavailableException(IReadOnlyList<string> endpoints, IReadOnlyList<EndpointFailure> failures, Exception? inner = null)
        : base(Describe(endpoints, failures), inner)
    {
        Endpoints = endpoints;
        Failures = failures;
    }

    public IReadOnlyList<string> Endpoints { get; }

    public IReadOnlyList<EndpointFailure> Failures { get; }

    private static string Describe(IReadOnlyList<string> endpoints, IReadOnlyList<EndpointFailure> failures) =>
        $"UNAVAILABLE: etcd unreachable at [{string.Join(", ", endpoints)}] after {failures.Count} attempt(s): "
        + string.Join("; ", failures.Select(f => $"{f.Endpoint} {f.Kind}: {f.Detail}"));
}

/// <summary>
/// A write timed out or lost its connection after it may have reached etcd. It is not retried,
/// because etcd may have applied it: the caller must re-read before deciding what to do.
/// </summary>
public sealed class EtcdOutcomeUnknownException : EtcdException
{
    public EtcdOutcomeUnknownException(string endpoint, EndpointFailureKind kind, Exception? inner = null)
        : base($"UNAVAILABLE: etcd write to {endpoint} failed ({kind}); it may or may not have been applied", inner)
    {
        Endpoint = endpoint;
        Kind = kind;
    }

    public string Endpoint { get; }

    public EndpointFailureKind Kind { get; }
}

/// <summary>etcd answered with a gRPC error other than UNAVAILABLE (bad request, compacted revision, ...).</summary>
public sealed class EtcdServerException : EtcdException
{
    public EtcdServerException(string endpoint, int grpcCode, string serverMessage)
        : base($"etcd at {endpoint} failed with gRPC code {grpcCode}: {serverMessage}")
    {
        Endpoint = endpoint;
        GrpcCode = grpcCode;
        ServerMessage = serverMessage;
    }

    public string Endpoint { get; }

    /// <summary>gRPC status code (3 InvalidArgument, 11 OutOfRange, ...).</summary>
    public int GrpcCode { get; }

    public string ServerMessage { get; }
}

/// <summary>Raised by <see cref="CasResult.ThrowIfFailed"/> when a compare-and-swap lost.</summary>
public sealed class EtcdCompareFailedException : EtcdException
{
    public EtcdCompareFailedException(string key, KeyValue? current)
        : base(current is null
            ? $"compare failed on {key}: the key does not exist"
            : $"compare failed on {key}: mod_revision is now {current.ModRevision}")
    {
        Key = key;
        Current = current;
    }

    public string Key { get; }

    /// <summary>The key as it was when the compare failed; null when it did not exist.</summary>
    public KeyValue? Current { get; }
}

/// <summary>
/// A watch asked for history etcd has compacted away. The watcher missed changes it cannot get
/// back: it must re-read the current state and watch again from that read's revision.
/// </summary>
public sealed class EtcdCompactedException : EtcdException
{
    public EtcdCompactedException(long compactRevision)
        : base($"etcd history is compacted up to revision {compactRevision}; re-read and watch again")
    {
        CompactRevision = compactRevision;
    }

    public long CompactRevision { get; }
}
