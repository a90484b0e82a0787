namespace MultigresOrleans.KubeSim.Api;

/// <summary>Who is calling (as admission webhooks see it in userInfo).</summary>
public sealed record UserInfo(string Username, IReadOnlyList<string> Groups, string Uid = "")
{
    public static UserInfo Admin { get; } = new("kubernetes-admin", ["system:masters", "system:authenticated"], "admin");
    public static UserInfo System { get; } = new("system:kubesim", ["system:masters"], "system");
    public static UserInfo Anonymous { get; } = new("system:anonymous", ["system:unauthenticated"], "");
}

/// <summary>How the server treats fields a custom resource schema does not declare.</summary>
public enum FieldValidation { Ignore, Warn, Strict }

/// <summary>
/// Per-request options every write honours (dry run, field manager, field validation) and the
/// warnings it collects for the `Warning` response headers.
/// </summary>
public sealed class RequestContext
{
    public UserInfo User { get; init; } = UserInfo.System;
    public bool DryRun { get; init; }
    public string? FieldManager { get; init; }
    public FieldValidation FieldValidation { get; init; } = FieldValidation.Warn;
    public bool Force { get; init; }
    public List<string> Warnings { get; } = [];

    /// <summary>Set when a PATCH (server-side apply) created the object, so the answer is 201.</summary>
    public bool Created { get; set; }

    public static RequestContext Internal(string manager) => new() { FieldManager = manager };
}
