namespace MultigresOrleans.Runtime;

internal enum WorkKind
{
    Call,
    Timer,
    Reminder,
}

/// <summary>
/// One unit of work for an activation: a grain call, a timer tick or a reminder tick. The body takes
/// the grain instance rather than capturing it, so a call queued behind a deactivation can be
/// forwarded to the next activation of the same grain.
/// </summary>
internal sealed class WorkItem(WorkKind kind, string name, bool readOnly, bool keepAlive, Func<Grain, Task<object?>> body)
{
    // Callers' continuations must never run inside the grain's turn (they would hold its scheduler).
    private readonly TaskCompletionSource<object?> completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public WorkKind Kind { get; } = kind;

    /// <summary>Method or timer name, for logs and errors.</summary>
    public string Name { get; } = name;

    public bool ReadOnly { get; } = readOnly;

    /// <summary>Whether finishing this item counts as activity for idle collection.</summary>
    public bool KeepAlive { get; } = keepAlive;

    /// <summary>Timer ticks belong to one activation and are dropped, not forwarded, on deactivation.</summary>
    public bool Forwardable => Kind != WorkKind.Timer;

    public Func<Grain, Task<object?>> Body { get; } = body;

    public Task<object?> Completion => completion.Task;

    public void Complete(object? result) => completion.TrySetResult(result);

    public void Fail(Exception exception) => completion.TrySetException(exception);
}
