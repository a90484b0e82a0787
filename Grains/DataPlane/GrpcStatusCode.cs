namespace MultigresOrleans.Grains.DataPlane;

/// <summary>
/// The gRPC status codes (grpc/doc/statuscodes.md). Multigres' <c>mtrpc.Code</c> 0–16 are the same numbers, and a
/// multipooler turns any code above 16 into <see cref="Unknown"/> before it reaches the wire (dataplane-contracts §3).
/// </summary>
public enum GrpcStatusCode
{
    Ok = 0,
    Cancelled = 1,
    Unknown = 2,
    InvalidArgument = 3,
    DeadlineExceeded = 4,
    NotFound = 5,
    AlreadyExists = 6,
    PermissionDenied = 7,
    ResourceExhausted = 8,
    FailedPrecondition = 9,
    Aborted = 10,
    OutOfRange = 11,
    Unimplemented = 12,
    Internal = 13,
    Unavailable = 14,
    DataLoss = 15,
    Unauthenticated = 16,
}

public static class GrpcStatusCodes
{
    private static readonly string[] Names =
    [
        "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
        "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED",
        "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
    ];

    /// <summary>The canonical upper-case name (<c>UNAVAILABLE</c>), as gRPC tooling and the Multigres logs print it.</summary>
    public static string Name(this GrpcStatusCode code) =>
        (int)code >= 0 && (int)code < Names.Length ? Names[(int)code] : "UNKNOWN";

    /// <summary>
    /// The code a <c>grpc-status</c> value stands for: a number 0–16. Anything else (absent, not a number, out of range)
    /// is <see cref="GrpcStatusCode.Unknown"/>, which is what a gRPC client must assume.
    /// </summary>
    public static GrpcStatusCode Parse(string? value) =>
        int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n is >= 0 and <= 16
            ? (GrpcStatusCode)n
            : GrpcStatusCode.Unknown;
}
