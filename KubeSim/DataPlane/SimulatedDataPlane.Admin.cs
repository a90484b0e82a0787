using Google.Protobuf;
using MultigresOrleans.KubeSim.DataPlane.Protos;

namespace MultigresOrleans.KubeSim.DataPlane;

/// <summary>A planned switchover the fake multiadmin performed (for tests): the shard, the old and the new primary.</summary>
public sealed record SwitchoverRecord(DateTimeOffset At, string Namespace, string Database, string TableGroup, string Shard, string OldPrimary, string NewPrimary);

/// <summary>
/// The fake multiadmin's <c>SwitchPrimary</c> (dataplane-contracts §3.4): a planned switchover of one shard's primary.
/// The request reaches KubeSim's one gRPC listener with the authority <c>&lt;cluster&gt;-multiadmin.&lt;ns&gt;.svc:18070</c>;
/// the namespace comes from the authority, the shard from the request. Like multiorch's real switchover it demotes the
/// current primary and promotes another live, non-quarantined pooler (the lowest pod name) at a new coordinator term,
/// so the old primary's record shows REPLICA before its pod is drained.
/// </summary>
public sealed partial class SimulatedDataPlane
{
    public const string SwitchPrimaryPath = "/multiadmin.MultiadminService/SwitchPrimary";
    public const int MultiadminGrpcPort = 18070;

    private readonly Lock switchoversGate = new();
    private readonly List<SwitchoverRecord> switchovers = [];

    /// <summary>Every switchover performed, oldest first.</summary>
    public IReadOnlyList<SwitchoverRecord> Switchovers
    {
        get
        {
            lock (switchoversGate)
                return [.. switchovers];
        }
    }

    private static bool IsMultiadminAuthority(string host) =>
        host.Split('.') is [var first, _, ..] && first.EndsWith("-multiadmin", StringComparison.Ordinal);

    private async Task<byte[]> SwitchPrimaryAsync(string host, int? port, byte[] body)
    {
        if (port is { } p && p != MultiadminGrpcPort)
            throw new GrpcError(GrpcStatus.Unavailable, $"kubesim data plane: connection refused: multiadmin serves gRPC on port {MultiadminGrpcPort}, not {p}");
        var ns = host.Split('.')[1];
        var request = Parse(SwitchPrimaryRequest.Parser, body);
        if (request.ShardKey is not { } key || key.Database.Length == 0 || key.TableGroup.Length == 0 || key.Shard.Length == 0)
            throw new GrpcError(GrpcStatus.InvalidArgument, "shard_key with database, table_group and shard is required");

        SwitchPrimaryResponse? response = null;
        GrpcError? refusal = null;
        await RunOnLoopAsync(async ct =>
        {
            var members = poolers.Values
                .Where(m => m.Spec.Namespace == ns && m.Spec.Shard.Database == key.Database && m.Spec.Shard.TableGroup == key.TableGroup && m.Spec.Shard.Shard == key.Shard)
                .OrderBy(m => m.PodKey, StringComparer.Ordinal)
                .ToList();
            var old = members.FirstOrDefault(m => m.Primary);
            var next = members.FirstOrDefault(m => m != old && m.Phase == PoolerPhase.Active && m.Quarantine is null);
            if (old is null || next is null)
            {
                refusal = new GrpcError(GrpcStatus.FailedPrecondition,
                    old is null ? $"shard {key.Database}/{key.TableGroup}/{key.Shard} has no primary to switch from" : "no eligible replica to promote");
                return;
            }

            var shard = Shard(old.Spec.Shard);
            var term = Math.Max(shard.Term, old.Term) + 1;
            lock (old.Gate)
                old.Primary = false;
            await PublishAsync(old, ct);
            lock (next.Gate)
            {
                next.Primary = true;
                next.Term = term;
            }

            shard.Term = term;
            shard.Primary = next.PodKey;
            await PublishAsync(next, ct);
            response = new SwitchPrimaryResponse { OldLeaderId = new ID { Component = ID.Types.ComponentType.Multipooler, Cell = old.Spec.Cell, Name = old.Spec.ServiceId } };
            lock (switchoversGate)
                switchovers.Add(new SwitchoverRecord(Time.GetUtcNow(), ns, key.Database, key.TableGroup, key.Shard, old.PodKey, next.PodKey));
            LogSwitchover(old.PodKey, next.PodKey, term);
        });
        if (refusal is not null)
            throw refusal;
        return response!.ToByteArray();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "data plane: multiadmin switches the primary from {Old} to {New} at term {Term}")]
    private partial void LogSwitchover(string old, string @new, long term);
}
