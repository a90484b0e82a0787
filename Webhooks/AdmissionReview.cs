using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MultigresOrleans.Webhooks;

/// <summary>The parts of an <c>admission.k8s.io/v1</c> AdmissionRequest the handlers use.</summary>
public sealed record AdmissionRequest(
    string Uid,
    string Operation,
    string? Namespace,
    string? Name,
    string? Username,
    JsonObject? Object,
    JsonObject? OldObject);

/// <summary>A request the envelope checks refused: answered with HTTP 400 and this message.</summary>
public sealed class BadAdmissionReviewException(string message) : Exception(message);

/// <summary>What a handler decided; turned into the AdmissionReview response.</summary>
public sealed record AdmissionOutcome(bool Allowed, string? Message, int Code, IReadOnlyList<string> Warnings, JsonArray? Patch)
{
    public static AdmissionOutcome Allow(IReadOnlyList<string>? warnings = null) => new(true, null, 200, warnings ?? [], null);

    /// <summary>A denial shaped like controller-runtime's <c>admission.Denied</c>: code 403, reason Forbidden.</summary>
    public static AdmissionOutcome Deny(string message, IReadOnlyList<string>? warnings = null) => new(false, message, 403, warnings ?? [], null);

    /// <summary>controller-runtime's <c>admission.Errored</c>: the webhook could not decide.</summary>
    public static AdmissionOutcome Errored(int code, string message) => new(false, message, code, [], null);
}

/// <summary>
/// Reading and writing AdmissionReview v1 on <see cref="JsonNode"/> rather than a typed model: the
/// envelope is checked field by field so every malformed shape gets its own clear 400 message, and
/// the object stays raw JSON for the RFC 6902 diff and the CEL checks.
/// </summary>
public static class AdmissionReviewCodec
{
    public const string ApiVersion = "admission.k8s.io/v1";

    private static readonly JsonDocumentOptions ParseOptions = new() { MaxDepth = 128 };

    public static AdmissionRequest Parse(ReadOnlySpan<byte> body)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(body, documentOptions: ParseOptions);
        }
        catch (JsonException e)
        {
            throw new BadAdmissionReviewException($"the body is not valid JSON: {e.Message}");
        }
        if (root is not JsonObject review)
            throw new BadAdmissionReviewException("the body must be a JSON object (an AdmissionReview)");
        var kind = StringField(review, "kind", "kind");
        var apiVersion = StringField(review, "apiVersion", "apiVersion");
        if (kind != "AdmissionReview" || apiVersion != ApiVersion)
            throw new BadAdmissionReviewException($"expected kind AdmissionReview of {ApiVersion}, got kind '{kind}' of '{apiVersion}'");
        if (review["request"] is not JsonObject request)
            throw new BadAdmissionReviewException("the AdmissionReview has no request object");
        var uid = StringField(request, "uid", "request.uid");
        if (string.IsNullOrEmpty(uid))
            throw new BadAdmissionReviewException("request.uid must be a non-empty string");
        var operation = StringField(request, "operation", "request.operation");
        if (operation is not ("CREATE" or "UPDATE" or "DELETE" or "CONNECT"))
            throw new BadAdmissionReviewException($"request.operation must be CREATE, UPDATE, DELETE or CONNECT, got '{operation}'");
        var username = request["userInfo"] is JsonObject userInfo ? StringField(userInfo, "username", "request.userInfo.username") : null;
        return new AdmissionRequest(
            uid,
            operation,
            StringField(request, "namespace", "request.namespace"),
            StringField(request, "name", "request.name"),
            username,
            ObjectField(request, "object"),
            ObjectField(request, "oldObject"));
    }

    public static byte[] Serialize(string uid, AdmissionOutcome outcome)
    {
        var response = new JsonObject { ["uid"] = uid, ["allowed"] = outcome.Allowed };
        if (!outcome.Allowed)
        {
            response["status"] = new JsonObject
            {
                ["metadata"] = new JsonObject(),
                ["status"] = "Failure",
                ["message"] = outcome.Message,
                ["reason"] = outcome.Code == 403 ? "Forbidden" : outcome.Code == 400 ? "BadRequest" : "InternalError",
                ["code"] = outcome.Code,
            };
        }
        if (outcome.Patch is { Count: > 0 } patch)
        {
            response["patchType"] = "JSONPatch";
            response["patch"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(patch.ToJsonString()));
        }
        if (outcome.Warnings.Count > 0)
            response["warnings"] = new JsonArray(outcome.Warnings.Select(w => (JsonNode?)JsonValue.Create(w)).ToArray());
        var review = new JsonObject { ["apiVersion"] = ApiVersion, ["kind"] = "AdmissionReview", ["response"] = response };
        return JsonSerializer.SerializeToUtf8Bytes(review, WebhookJsonContext.Default.JsonObject);
    }

    public static byte[] SerializeError(string message) =>
        JsonSerializer.SerializeToUtf8Bytes(new JsonObject { ["error"] = message }, WebhookJsonContext.Default.JsonObject);

    private static string? StringField(JsonObject parent, string name, string path) => parent[name] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        var other => throw new BadAdmissionReviewException($"{path} must be a string, got {other.GetValueKind()}"),
    };

    private static JsonObject? ObjectField(JsonObject request, string name) => request[name] switch
    {
        null => null,
        JsonObject o => o,
        var other => throw new BadAdmissionReviewException($"request.{name} must be an object, got {other.GetValueKind()}"),
    };
}

[System.Text.Json.Serialization.JsonSerializable(typeof(JsonObject))]
internal sealed partial class WebhookJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
