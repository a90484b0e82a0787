using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Kubernetes.Client;

/// <summary>Query of a list (and the filter part of a watch).</summary>
public sealed record ListOptions
{
    /// <summary>e.g. <c>app=db,tier!=cache</c>; the server evaluates it.</summary>
    public string? LabelSelector { get; init; }

    /// <summary>e.g. <c>metadata.name=x</c>.</summary>
    public string? FieldSelector { get; init; }

    /// <summary>Page size; the response's Continue token fetches the next page.</summary>
    public int? Limit { get; init; }

    public string? Continue { get; init; }

    /// <summary>
    /// Unset: a consistent read from etcd. <c>"0"</c>: whatever the server's watch cache holds,
    /// cheap but possibly stale. Anything else: at least that version (with <see cref="ResourceVersionMatch"/>).
    /// </summary>
    public string? ResourceVersion { get; init; }

    /// <summary><c>NotOlderThan</c> or <c>Exact</c>.</summary>
    public string? ResourceVersionMatch { get; init; }

    public int? TimeoutSeconds { get; init; }
}

/// <summary>Query of a watch.</summary>
public sealed record WatchOptions
{
    public string? LabelSelector { get; init; }
    public string? FieldSelector { get; init; }

    /// <summary>
    /// Where the stream starts: events after this version. Take it from a list so no event is
    /// missed in between; null or empty starts "now", <c>"0"</c> replays the server cache as ADDED events.
    /// </summary>
    public string? ResourceVersion { get; init; }

    /// <summary>Ask for BOOKMARK events, which move the resume point forward on a quiet stream.</summary>
    public bool AllowBookmarks { get; init; } = true;

    /// <summary>Server-side lifetime of one watch request; the stream is resumed after it ends. Null lets the server choose.</summary>
    public int? TimeoutSeconds { get; init; } = 300;

    /// <summary>
    /// Reconnect when nothing (no event, no bookmark) has arrived for this long: a connection can
    /// die without a FIN (NAT, load balancer) and a stream would otherwise wait forever.
    /// </summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>First pause before reconnecting a broken stream; doubled up to <see cref="MaxReconnectDelay"/>.</summary>
    public TimeSpan ReconnectDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan MaxReconnectDelay { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>Options of create, update and patch.</summary>
public sealed record WriteOptions
{
    public static readonly WriteOptions Default = new();

    /// <summary>Send <c>dryRun=All</c>: validate and admit, but persist nothing.</summary>
    public bool DryRun { get; init; }

    /// <summary>The field manager recorded in managedFields.</summary>
    public string? FieldManager { get; init; }

    /// <summary><c>Ignore</c>, <c>Warn</c> or <c>Strict</c> (unknown or duplicate fields).</summary>
    public string? FieldValidation { get; init; }
}

/// <summary>Options of server-side apply.</summary>
public sealed record ApplyOptions(string FieldManager)
{
    /// <summary>Take ownership of fields another manager owns instead of failing with a conflict.</summary>
    public bool Force { get; init; }

    public bool DryRun { get; init; }

    public string? FieldValidation { get; init; }
}

public enum PropagationPolicy
{
    /// <summary>Leave dependents in place.</summary>
    Orphan,

    /// <summary>Delete the object now, dependents afterwards (the default for most resources).</summary>
    Background,

    /// <summary>Delete dependents first; the object stays (with a foregroundDeletion finalizer) until they are gone.</summary>
    Foreground,
}

/// <summary>Options of delete.</summary>
public sealed record DeleteOptions
{
    public PropagationPolicy? PropagationPolicy { get; init; }

    /// <summary>Refuse (409) unless the object still has this UID and/or resourceVersion.</summary>
    public Preconditions? Preconditions { get; init; }

    /// <summary>Seconds before the object is removed; 0 deletes immediately.</summary>
    public long? GracePeriodSeconds { get; init; }

    public bool DryRun { get; init; }
}

/// <summary>Patch body formats other than apply.</summary>
public enum PatchType
{
    /// <summary>RFC 7386 JSON merge patch (<c>application/merge-patch+json</c>).</summary>
    Merge,

    /// <summary>RFC 6902 JSON patch (<c>application/json-patch+json</c>).</summary>
    Json,

    /// <summary>Strategic merge patch (<c>application/strategic-merge-patch+json</c>); built-in kinds only.</summary>
    StrategicMerge,
}

/// <summary>One page of a list.</summary>
public sealed record ResourceList<T>(IReadOnlyList<T> Items, string? ResourceVersion, string? Continue, long? RemainingItemCount);
