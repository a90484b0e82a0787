namespace MultigresOrleans.Grains.Validation;

/// <summary>
/// What a validating check concluded: an error rejects the request (the webhook returns the first
/// one, as the reference does), warnings are returned to the client as admission warnings (kubectl
/// prints them as <c>Warning: …</c>).
/// </summary>
public sealed record AdmissionVerdict(string? Error, IReadOnlyList<string> Warnings)
{
    public static AdmissionVerdict Allowed { get; } = new(null, []);

    public bool IsAllowed => Error is null;

    public static AdmissionVerdict Reject(string error, IReadOnlyList<string>? warnings = null) => new(error, warnings ?? []);

    public static AdmissionVerdict Warn(IReadOnlyList<string> warnings) => new(null, warnings);
}
