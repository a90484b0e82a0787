using System.Net;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Kubernetes.Client;

/// <summary>
/// An API server refusal, carrying the server's metav1.Status unchanged. Subclasses exist for the
/// reasons a caller branches on (the StatusReason values of apimachinery's errors package); catch
/// the base class for everything else and read <see cref="Reason"/> and <see cref="StatusCode"/>.
/// </summary>
public class KubernetesApiException : Exception
{
    public KubernetesApiException(HttpStatusCode statusCode, Status status, string verb, string path)
        : base(BuildMessage(statusCode, status, verb, path))
    {
        StatusCode = statusCode;
        Status = status;
        Verb = verb;
        RequestPath = path;
    }

    public HttpStatusCode StatusCode { get; }

    /// <summary>The server's Status, exactly as sent (or synthesised from a non-Status body).</summary>
    public Status Status { get; }

    /// <summary>The StatusReason (NotFound, Conflict, Invalid, Expired, …); empty when the server gave none.</summary>
    public string Reason => Status.Reason ?? "";

    /// <summary>The server's human-readable message.</summary>
    public string ServerMessage => Status.Message ?? "";

    public IReadOnlyList<StatusCause> Causes => Status.Details?.Causes ?? [];

    public string Verb { get; }
    public string RequestPath { get; }

    private static string BuildMessage(HttpStatusCode code, Status status, string verb, string path) =>
        $"{verb} {path}: {(int)code} {status.Reason}: {status.Message}";

    /// <summary>Maps a response to the most specific exception for its code and reason.</summary>
    public static KubernetesApiException Create(HttpStatusCode code, Status status, string verb, string path, TimeSpan? retryAfter = null) =>
        ((int)code, status.Reason) switch
        {
            (400, _) => new BadRequestException(code, status, verb, path),
            (401, _) => new UnauthorizedException(code, status, verb, path),
            (403, _) => new ForbiddenException(code, status, verb, path),
            (404, _) => new NotFoundException(code, status, verb, path),
            (405, _) => new MethodNotSupportedException(code, status, verb, path),
            (409, "AlreadyExists") => new AlreadyExistsException(code, status, verb, path),
            (409, _) => new ConflictException(code, status, verb, path),
            (410, _) => new ResourceExpiredException(code, status, verb, path),
            (415, _) => new UnsupportedMediaTypeException(code, status, verb, path),
            (422, _) => new InvalidException(code, status, verb, path),
            (429, _) => new TooManyRequestsException(code, status, verb, path, retryAfter),
            (504, _) or (_, "Timeout") or (_, "ServerTimeout") => new ServerTimeoutException(code, status, verb, path, retryAfter),
            (503, _) => new ServiceUnavailableException(code, status, verb, path, retryAfter),
            (500, _) => new InternalErrorException(code, status, verb, path),
            _ => new KubernetesApiException(code, status, verb, path),
        };
}

public sealed class BadRequestException(HttpStatusCode c, Status s, string v, string p) : KubernetesApiException(c, s, v, p);
public sealed class UnauthorizedException(HttpStatusCode c, Status s, string v, string p) : KubernetesApiException(c, s, v, p);
public sealed class ForbiddenException(HttpStatusCode c, Status s, string v, string p) : KubernetesApiException(c, s, v, p);
public sealed class NotFoundException(HttpStatusCode c, Status s, string v, string p) : KubernetesApiException(c, s, v, p);
public sealed class MethodNotSupportedException(HttpStatusCode c, Status s, string v, string p) : KubernetesApiException(c, s, v, p);
public sealed class AlreadyExistsException(HttpStatusCode c, Status s, string v, string p) : KubernetesApiException(c, s, v, p);

/// <summary>409 other than AlreadyExists: a stale resourceVersion, a failed precondition, or an apply conflict between field managers.</summary>
public sealed class ConflictException(HttpStatusCode c, Status s, string v, string p) : KubernetesApiException(c, s, v, p);

/// <summary>410: the requested resourceVersion is older than the server keeps; the caller must relist.</summary>
public sealed class ResourceExpiredException(HttpStatusCode c, Status s, string v, string p) : KubernetesApiException(c, s, v, p);

public sealed class UnsupportedMediaTypeException(HttpStatusCode c, Status s, string v, string p) : KubernetesApiException(c, s, v, p);

/// <summary>422: the object failed validation; <see cref="KubernetesApiException.Causes"/> names the fields.</summary>
public sealed class InvalidException(HttpStatusCode c, Status s, string v, string p) : KubernetesApiException(c, s, v, p);

public sealed class InternalErrorException(HttpStatusCode c, Status s, string v, string p) : KubernetesApiException(c, s, v, p);

/// <summary>429 after the client's retries ran out.</summary>
public sealed class TooManyRequestsException(HttpStatusCode c, Status s, string v, string p, TimeSpan? retryAfter)
    : KubernetesApiException(c, s, v, p)
{
    public TimeSpan? RetryAfter { get; } = retryAfter;
}

public sealed class ServerTimeoutException(HttpStatusCode c, Status s, string v, string p, TimeSpan? retryAfter)
    : KubernetesApiException(c, s, v, p)
{
    public TimeSpan? RetryAfter { get; } = retryAfter;
}

public sealed class ServiceUnavailableException(HttpStatusCode c, Status s, string v, string p, TimeSpan? retryAfter)
    : KubernetesApiException(c, s, v, p)
{
    public TimeSpan? RetryAfter { get; } = retryAfter;
}

/// <summary>The client gave up waiting for a response (per-request timeout), as opposed to a server-side timeout.</summary>
public sealed class KubernetesRequestTimeoutException(string verb, string path, TimeSpan timeout)
    : TimeoutException($"{verb} {path}: no response within {timeout}")
{
    public TimeSpan Timeout { get; } = timeout;
}
