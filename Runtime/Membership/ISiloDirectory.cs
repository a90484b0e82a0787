namespace MultigresOrleans.Runtime.Membership;

/// <summary>
/// Where a silo accepts grain calls. The Kubernetes membership answers from the silos' Leases (each
/// silo publishes its call endpoint there); the remote transport asks it for every call, so a silo
/// that restarted on a new address is found without any other bookkeeping.
/// </summary>
public interface ISiloDirectory
{
    /// <summary>The base URI of <paramref name="silo"/>'s call endpoint, or null when the silo is unknown or has none.</summary>
    Uri? EndpointOf(string silo);
}

/// <summary>A fixed directory (tests, and clusters whose silos are configured statically).</summary>
public sealed class StaticSiloDirectory : ISiloDirectory
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Uri> endpoints = new(StringComparer.Ordinal);

    public void Set(string silo, Uri endpoint) => endpoints[silo] = endpoint;

    public void Remove(string silo) => endpoints.TryRemove(silo, out _);

    public Uri? EndpointOf(string silo) => endpoints.TryGetValue(silo, out var uri) ? uri : null;
}
