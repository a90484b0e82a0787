namespace MultigresOrleans.Runtime.Membership;

/// <summary>What a membership knows about the cluster's silos, for dashboards and metrics.</summary>
public interface IMembershipIntrospection
{
    /// <summary>Every silo incarnation the membership currently sees, sorted by identity.</summary>
    IReadOnlyList<SiloInfo> Silos { get; }

    /// <summary>The identity holding the leader role, or null when none is known.</summary>
    string? Leader { get; }
}

/// <param name="Identity">Silo name and incarnation (what the partition map names).</param>
/// <param name="Status">Active, Leaving, Expired (lease not renewed for a lease duration by the observer's clock), or Fenced (this silo, fenced).</param>
/// <param name="Endpoint">Where it accepts grain calls.</param>
/// <param name="SinceLastRenewal">How long ago the observer saw its lease change.</param>
/// <param name="Partitions">Partitions the current map gives it.</param>
public sealed record SiloInfo(string Identity, string Status, Uri? Endpoint, TimeSpan SinceLastRenewal, int Partitions);
