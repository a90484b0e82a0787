namespace MultigresOrleans.Grains.Builders.TopoServers;

/// <summary>
/// Reasons and message texts of the events the TopoServer controller records (spec §10.7, recorder
/// <c>toposerver-controller</c>); the StorageClass warning lives with <see cref="StorageClassGuard"/>.
/// </summary>
public static class TopoServerEvents
{
    public const string Source = "toposerver-controller";
    public const string Applied = "Applied";
    public const string PhaseChange = "PhaseChange";
    public const string Synced = "Synced";
    public const string FailedApply = "FailedApply";
    public const string StatusError = "StatusError";

    public const string SyncedMessage = "Successfully reconciled TopoServer";

    /// <summary><c>Applied &lt;Kind&gt; &lt;name&gt;</c> (StatefulSet, Service).</summary>
    public static string AppliedMessage(string kind, string name) => $"Applied {kind} {name}";

    public static string FailedStatefulSetMessage(string error) => $"Failed to reconcile StatefulSet: {error}";

    public static string FailedHeadlessServiceMessage(string error) => $"Failed to reconcile headless Service: {error}";

    public static string FailedClientServiceMessage(string error) => $"Failed to reconcile client Service: {error}";

    public static string StatusErrorMessage(string error) => $"Failed to update status: {error}";

    /// <summary>Requeue while the TopoServer is not Healthy.</summary>
    public static readonly TimeSpan NotHealthyRequeue = TimeSpan.FromSeconds(30);
}
