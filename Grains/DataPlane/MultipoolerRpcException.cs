namespace MultigresOrleans.Grains.DataPlane;

/// <summary>
/// A multipooler RPC that did not return a response: the status the server sent, or the status a transport failure
/// maps to (<see cref="GrpcStatusCode.Unavailable"/> for a connection that could not be made or was lost,
/// <see cref="GrpcStatusCode.DeadlineExceeded"/> for the call's own deadline). The message names the method and the
/// pooler's address so an event or log line alone says which call to which pod failed; it never carries request
/// contents, headers or key material.
/// </summary>
public sealed class MultipoolerRpcException : Exception
{
    public MultipoolerRpcException(GrpcStatusCode statusCode, string detail, string address, string method, Exception? innerException = null)
        : base(Format(statusCode, detail, address, method), innerException)
    {
        StatusCode = statusCode;
        Detail = detail;
        Address = address;
        Method = method;
    }

    /// <summary>The gRPC status of the failed call.</summary>
    public GrpcStatusCode StatusCode { get; }

    /// <summary>The server's <c>grpc-message</c> (percent-decoded), or what the client saw go wrong.</summary>
    public string Detail { get; }

    /// <summary>The pooler's <c>host:port</c> as the topology record gives it (before any address override).</summary>
    public string Address { get; }

    /// <summary>The RPC's short name, e.g. <c>GetBackups</c>.</summary>
    public string Method { get; }

    private static string Format(GrpcStatusCode code, string detail, string address, string method) =>
        $"{method} on multipooler {address}: {code.Name()}: {detail}";
}
