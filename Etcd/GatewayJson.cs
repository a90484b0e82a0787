using System.Text.Json.Serialization;

namespace MultigresOrleans.Etcd;

// Wire shapes of etcd's JSON gateway (grpc-gateway over etcdserverpb): field names are the proto
// names in snake_case, bytes are base64, int64 travels as a string, and fields at their zero
// value are omitted in answers (so every answer field has a default here). Request fields are
// nullable so that only what the caller set is sent: in particular a compare always carries its
// target value explicitly, because etcd treats a compare whose value is missing as "equal".

internal sealed class GwHeader
{
    public long Revision { get; set; }
}

internal sealed class GwKeyValue
{
    public byte[]? Key { get; set; }
    public long CreateRevision { get; set; }
    public long ModRevision { get; set; }
    public long Version { get; set; }
    public byte[]? Value { get; set; }
    public long Lease { get; set; }
}

internal sealed class GwRangeRequest
{
    public byte[]? Key { get; set; }
    public byte[]? RangeEnd { get; set; }
    public long? Limit { get; set; }
    public long? Revision { get; set; }
    public bool? KeysOnly { get; set; }
    public bool? CountOnly { get; set; }
}

internal sealed class GwRangeResponse
{
    public GwHeader? Header { get; set; }
    public List<GwKeyValue>? Kvs { get; set; }
    public bool More { get; set; }
    public long Count { get; set; }
}

internal sealed class GwPutRequest
{
    public byte[]? Key { get; set; }
    public byte[]? Value { get; set; }
    public bool? PrevKv { get; set; }
}

internal sealed class GwPutResponse
{
    public GwHeader? Header { get; set; }
    public GwKeyValue? PrevKv { get; set; }
}

internal sealed class GwDeleteRangeRequest
{
    public byte[]? Key { get; set; }
    public byte[]? RangeEnd { get; set; }
}

internal sealed class GwDeleteRangeResponse
{
    public GwHeader? Header { get; set; }
    public long Deleted { get; set; }
}

internal sealed class GwCompare
{
    public string? Result { get; set; }
    public string? Target { get; set; }
    public byte[]? Key { get; set; }
    public long? Version { get; set; }
    public long? CreateRevision { get; set; }
    public long? ModRevision { get; set; }
    public byte[]? Value { get; set; }
}

internal sealed class GwRequestOp
{
    public GwRangeRequest? RequestRange { get; set; }
    public GwPutRequest? RequestPut { get; set; }
    public GwDeleteRangeRequest? RequestDeleteRange { get; set; }
}

internal sealed class GwResponseOp
{
    public GwRangeResponse? ResponseRange { get; set; }
    public GwPutResponse? ResponsePut { get; set; }
    public GwDeleteRangeResponse? ResponseDeleteRange { get; set; }
}

internal sealed class GwTxnRequest
{
    public List<GwCompare>? Compare { get; set; }
    public List<GwRequestOp>? Success { get; set; }
    public List<GwRequestOp>? Failure { get; set; }
}

internal sealed class GwTxnResponse
{
    public GwHeader? Header { get; set; }
    public bool Succeeded { get; set; }
    public List<GwResponseOp>? Responses { get; set; }
}

internal sealed class GwCompactionRequest
{
    public long? Revision { get; set; }
    public bool? Physical { get; set; }
}

internal sealed class GwCompactionResponse
{
    public GwHeader? Header { get; set; }
}

/// <summary>The gateway's error body: <c>{"error": "...", "message": "...", "code": 11}</c> (gRPC code).</summary>
internal sealed class GwError
{
    public string? Error { get; set; }
    public string? Message { get; set; }
    public int Code { get; set; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowReadingFromString | JsonNumberHandling.WriteAsString)]
[JsonSerializable(typeof(GwRangeRequest))]
[JsonSerializable(typeof(GwRangeResponse))]
[JsonSerializable(typeof(GwPutRequest))]
[JsonSerializable(typeof(GwPutResponse))]
[JsonSerializable(typeof(GwDeleteRangeRequest))]
[JsonSerializable(typeof(GwDeleteRangeResponse))]
[JsonSerializable(typeof(GwTxnRequest))]
[JsonSerializable(typeof(GwTxnResponse))]
[JsonSerializable(typeof(GwError))]
[JsonSerializable(typeof(GwCompactionRequest))]
[JsonSerializable(typeof(GwCompactionResponse))]
internal sealed partial class GatewayJsonContext : JsonSerializerContext;

internal sealed class GwWatchCreateRequest
{
    public byte[]? Key { get; set; }
    public byte[]? RangeEnd { get; set; }
    public long? StartRevision { get; set; }
    public bool? PrevKv { get; set; }
}

internal sealed class GwWatchRequest
{
    public GwWatchCreateRequest? CreateRequest { get; set; }
}

internal sealed class GwEvent
{
    /// <summary>"DELETE", or absent for PUT (the zero value).</summary>
    public string? Type { get; set; }
    public GwKeyValue? Kv { get; set; }
    public GwKeyValue? PrevKv { get; set; }
}

internal sealed class GwWatchResponse
{
    public GwHeader? Header { get; set; }
    public bool Created { get; set; }
    public bool Canceled { get; set; }
    public long CompactRevision { get; set; }
    public string? CancelReason { get; set; }
    public List<GwEvent>? Events { get; set; }
}

/// <summary>One line of the gateway's watch stream: <c>{"result": …}</c> or <c>{"error": …}</c>.</summary>
internal sealed class GwWatchLine
{
    public GwWatchResponse? Result { get; set; }
    public GwError? Error { get; set; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowReadingFromString | JsonNumberHandling.WriteAsString)]
[JsonSerializable(typeof(GwWatchRequest))]
[JsonSerializable(typeof(GwWatchLine))]
internal sealed partial class GatewayWatchJsonContext : JsonSerializerContext;
