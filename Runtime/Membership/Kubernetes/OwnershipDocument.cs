using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;
using MultigresOrleans.Runtime.Placement;

namespace MultigresOrleans.Runtime.Membership.Kubernetes;

/// <summary>
/// The partition map as the leader stores it (one ConfigMap): a version, the owner of every
/// partition (a silo identity, or "" while unassigned) and the handoffs in progress. A partition
/// with a handoff is owned by nobody who may serve it: its old owner refuses calls while it drains,
/// and the new owner starts only when a later version names it. Versions only grow.
/// </summary>
internal sealed record OwnershipDocument(long Version, ImmutableArray<string> Owners, ImmutableArray<Handoff> Handoffs)
{
    public const string DataKey = "map.json";

    public static OwnershipDocument Empty(int partitionCount) =>
        new(0, [.. Enumerable.Repeat(string.Empty, partitionCount)], []);

    public int PartitionCount => Owners.Length;

    /// <summary>The routing view: the owner of each partition (the old owner during a handoff, which refuses calls).</summary>
    public PartitionMap ToPartitionMap() => new(Version, Owners);

    public string ToJson() => JsonSerializer.Serialize(new Wire(Version, [.. Owners], [.. Handoffs]), OwnershipJsonContext.Default.Wire);

    /// <summary>Parses a stored document; a malformed or wrong-sized one is reported as null (the caller logs it and keeps its current map).</summary>
    public static OwnershipDocument? TryParse(string? json, int partitionCount)
    {
        if (string.IsNullOrEmpty(json))
            return null;
        try
        {
            var wire = JsonSerializer.Deserialize(json, OwnershipJsonContext.Default.Wire);
            if (wire is null || wire.Owners is null || wire.Owners.Length != partitionCount || wire.Version < 1)
                return null;
            var handoffs = wire.Handoffs ?? [];
            if (handoffs.Any(h => h is null || h.Partition < 0 || h.Partition >= partitionCount || string.IsNullOrEmpty(h.To)))
                return null;
            return new OwnershipDocument(wire.Version, [.. wire.Owners.Select(o => o ?? string.Empty)], [.. handoffs]);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    internal sealed record Wire(
        [property: JsonPropertyName("version")] long Version,
        [property: JsonPropertyName("owners")] string[] Owners,
        [property: JsonPropertyName("handoffs")] Handoff[]? Handoffs);
}

/// <summary>Partition <see cref="Partition"/> moves to <see cref="To"/> once its owner acknowledged a version ≥ <see cref="Since"/>.</summary>
internal sealed record Handoff(
    [property: JsonPropertyName("partition")] int Partition,
    [property: JsonPropertyName("to")] string To,
    [property: JsonPropertyName("since")] long Since);

[JsonSerializable(typeof(OwnershipDocument.Wire))]
internal sealed partial class OwnershipJsonContext : JsonSerializerContext;
