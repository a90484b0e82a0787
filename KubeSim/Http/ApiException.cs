using System.Text.Json.Nodes;

namespace MultigresOrleans.KubeSim.Http;

/// <summary>
/// An API error that becomes a metav1.Status body, shaped exactly like the real API server's so
/// clients that branch on reason and code (and kubectl's messages) behave the same.
/// </summary>
public sealed class ApiException(int code, string reason, string message, JsonObject? details = null) : Exception(message)
{
    public int Code { get; } = code;
    public string Reason { get; } = reason;
    public JsonObject? Details { get; } = details;

    public JsonObject ToStatus() => StatusBody("Failure", Code, Reason, Message, Details);

    public static JsonObject StatusBody(string status, int code, string? reason, string? message, JsonObject? details)
    {
        var body = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = status,
        };
        if (message is not null)
            body["message"] = message;
        if (reason is not null)
            body["reason"] = reason;
        if (details is not null)
            body["details"] = details.DeepClone();
        body["code"] = code;
        return body;
    }

    private static JsonObject DetailsFor(string name, string group, string kind)
    {
        var d = new JsonObject { ["name"] = name };
        if (group.Length > 0)
            d["group"] = group;
        d["kind"] = kind;
        return d;
    }

    public static ApiException NotFound(string group, string plural, string name) =>
        new(404, "NotFound", $"{Qualified(group, plural)} \"{name}\" not found", DetailsFor(name, group, plural));

    public static ApiException AlreadyExists(string group, string plural, string name) =>
        new(409, "AlreadyExists", $"{Qualified(group, plural)} \"{name}\" already exists", DetailsFor(name, group, plural));

    public static ApiException Conflict(string group, string plural, string name, string why =
        "the object has been modified; please apply your changes to the latest version and try again") =>
        new(409, "Conflict", $"Operation cannot be fulfilled on {Qualified(group, plural)} \"{name}\": {why}", DetailsFor(name, group, plural));

    public static ApiException BadRequest(string message) => new(400, "BadRequest", message);

    public static ApiException MethodNotAllowed(string message) => new(405, "MethodNotAllowed", message);

    public static ApiException UnsupportedMediaType(string acceptedTypes) =>
        new(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: {acceptedTypes}");

    public static ApiException Gone(string message) => new(410, "Expired", message);

    public static ApiException Forbidden(string group, string plural, string name, string message) =>
        new(403, "Forbidden", $"{Qualified(group, plural)} \"{name}\" is forbidden: {message}", DetailsFor(name, group, plural));

    /// <summary>
    /// The authorizer's 403, like apierrors.NewForbidden: the resource qualified by its group (never
    /// the subresource), the object's name only when the request named one, and details whose kind
    /// is the resource plural.
    /// </summary>
    public static ApiException AuthorizationDenied(string group, string plural, string name, string message)
    {
        var details = new JsonObject();
        if (name.Length > 0)
            details["name"] = name;
        if (group.Length > 0)
            details["group"] = group;
        details["kind"] = plural;
        var subject = name.Length > 0 ? $"{Qualified(group, plural)} \"{name}\"" : Qualified(group, plural);
        return new(403, "Forbidden", $"{subject} is forbidden: {message}", details);
    }

    public static ApiException InternalError(string message) => new(500, "InternalError", $"Internal error occurred: {message}");

    /// <summary>A 422 with one cause per field error, the message listing them as the API server does.</summary>
    public static ApiException Invalid(string qualifiedKind, string group, string kind, string name, IReadOnlyList<(string Field, string Reason, string Message)> causes)
    {
        var rendered = causes.Select(c => c.Field.Length == 0 ? c.Message : $"{c.Field}: {c.Message}").ToList();
        var summary = rendered.Count == 1 ? rendered[0] : "[" + string.Join(", ", rendered) + "]";
        var details = DetailsFor(name, group, kind);
        var array = new JsonArray();
        foreach (var c in causes)
            array.Add(new JsonObject { ["reason"] = c.Reason, ["message"] = c.Message, ["field"] = c.Field });
        details["causes"] = array;
        return new ApiException(422, "Invalid", $"{qualifiedKind} \"{name}\" is invalid: {summary}", details);
    }

    private static string Qualified(string group, string plural) => group.Length == 0 ? plural : $"{plural}.{group}";
}
