namespace MultigresOrleans.Runtime;

/// <summary>
/// The target silo refused the call's authentication (missing, invalid, expired or replayed
/// signature — usually a wrong shared key or a clock off by more than the window). The call did not
/// run. Not retried: another silo would refuse it the same way.
/// </summary>
public sealed class GrainCallUnauthorizedException : Exception
{
    public GrainCallUnauthorizedException()
    {
    }

    public GrainCallUnauthorizedException(string message)
        : base(message)
    {
    }

    public GrainCallUnauthorizedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// The request may have reached the target silo, but no answer came back (connection reset
/// mid-call, protocol error). The call may or may not have run; it is not retried, to keep calls at-most-once.
/// </summary>
public sealed class GrainCallOutcomeUnknownException : Exception
{
    public GrainCallOutcomeUnknownException()
    {
    }

    public GrainCallOutcomeUnknownException(string message)
        : base(message)
    {
    }

    public GrainCallOutcomeUnknownException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// The target silo rejected the request before running it: body over its size limit (413), malformed
/// body or unknown method (400/404). Not retried: the same request would be rejected again.
/// </summary>
public sealed class GrainCallRejectedException : Exception
{
    public GrainCallRejectedException()
    {
    }

    public GrainCallRejectedException(string message)
        : base(message)
    {
    }

    public GrainCallRejectedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public GrainCallRejectedException(int statusCode, string message)
        : base(message)
    {
        StatusCode = statusCode;
    }

    /// <summary>The HTTP status the silo answered with.</summary>
    public int StatusCode { get; }
}

/// <summary>
/// A grain on another silo threw an exception whose type does not travel (only a few runtime and
/// framework exception types are rebuilt on the caller's side). Carries the remote type name and
/// message; stack traces never cross the wire.
/// </summary>
public sealed class RemoteGrainException : Exception
{
    public RemoteGrainException()
    {
    }

    public RemoteGrainException(string message)
        : base(message)
    {
    }

    public RemoteGrainException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public RemoteGrainException(string remoteType, string message)
        : base($"{remoteType}: {message}")
    {
        RemoteType = remoteType;
        RemoteMessage = message;
    }

    /// <summary>Full name of the exception type thrown on the remote silo.</summary>
    public string? RemoteType { get; }

    /// <summary>The remote exception's message, as thrown.</summary>
    public string? RemoteMessage { get; }
}
