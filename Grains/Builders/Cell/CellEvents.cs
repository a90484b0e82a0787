namespace MultigresOrleans.Grains.Builders.Cells;

/// <summary>
/// Reasons and message texts of the events the Cell controller records (spec §10.7, recorder <c>cell-controller</c>).
/// Kept beside the builders so the grain and its tests share one spelling of every message users grep for.
/// </summary>
public static class CellEvents
{
    public const string Source = "cell-controller";
    public const string Applied = "Applied";
    public const string Deleted = "Deleted";
    public const string ReadyForDeletion = "ReadyForDeletion";
    public const string PhaseChange = "PhaseChange";
    public const string Synced = "Synced";
    public const string FailedApply = "FailedApply";
    public const string StatusError = "StatusError";

    public const string SyncedMessage = "Successfully reconciled Cell";

    /// <summary><c>Applied &lt;Kind&gt; &lt;name&gt;</c> (Deployment, Service, TopoServer).</summary>
    public static string AppliedMessage(string kind, string name) => $"Applied {kind} {name}";

    public static string DeletedStaleLocalTopoServerMessage(string name) => $"Deleted stale local TopoServer {name}";

    public static string ReadyForDeletionMessage(string cellName) => $"Cell {cellName} marked ready for deletion";

    public static string FailedDeploymentMessage(string error) => $"Failed to sync Gateway Deployment: {error}";

    public static string FailedServiceMessage(string error) => $"Failed to reconcile Multigateway Service: {error}";

    public static string FailedLocalTopoServerMessage(string error) => $"Failed to reconcile local TopoServer: {error}";

    public static string StatusErrorMessage(string error) => $"Failed to update status: {error}";

    /// <summary>Requeue while the managed local TopoServer is not ready or still being deleted.</summary>
    public static readonly TimeSpan LocalTopoServerRequeue = TimeSpan.FromSeconds(5);

    /// <summary>Requeue while the Cell is not Healthy, to notice pod-level problems no Deployment event reports.</summary>
    public static readonly TimeSpan NotHealthyRequeue = TimeSpan.FromSeconds(30);
}
