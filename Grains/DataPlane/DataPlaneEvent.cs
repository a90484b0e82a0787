namespace MultigresOrleans.Grains.DataPlane;

/// <summary>A Kubernetes event a data-plane decision asks the Shard grain to record (type <c>Normal</c> or <c>Warning</c>).</summary>
public sealed record DataPlaneEvent(string Type, string Reason, string Message)
{
    public const string Normal = "Normal";
    public const string Warning = "Warning";
}
