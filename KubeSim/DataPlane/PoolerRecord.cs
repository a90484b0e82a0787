using Google.Protobuf.WellKnownTypes;
using MultigresOrleans.KubeSim.DataPlane.Protos;

namespace MultigresOrleans.KubeSim.DataPlane;

/// <summary>Where a fake multipooler process is in its life (dataplane-contracts §2.6).</summary>
public enum PoolerPhase
{
    /// <summary>The pod is not Ready yet: nothing published.</summary>
    Waiting,

    /// <summary>Registered, postgres not yet seen responding.</summary>
    Starting,

    Active,

    /// <summary>SIGTERM received, shutting down.</summary>
    Stopping,

    /// <summary>Exited gracefully; the record says SHUTDOWN and stays.</summary>
    Shutdown,

    /// <summary>Died without a word (crash knob, failed container): the record keeps whatever it last said.</summary>
    Crashed,
}

/// <summary>The pooler state a record is derived from: everything the real multipooler publishes comes from these.</summary>
public sealed record PoolerPublication(PoolPodSpec Spec, PoolerPhase Phase, string? QuarantineReason, bool Primary, long Term, DateTimeOffset LifecycleUpdated);

/// <summary>
/// Builds the <c>Multipooler</c> record exactly as dataplane-contracts §2.6/§7.3 describe the real
/// pooler filling it: identity and shard key from the flags, the FQDN, the four ports, lifecycle with
/// its reason and time, serving status, routing state and the derived (deprecated) type.
/// </summary>
public static class PoolerRecord
{
    public const string StartingReason = "process starting";
    public const string ActiveReason = "pooler active";
    public const string StoppingReason = "shutting down";
    public const string ShutdownReason = "pooler shutdown";

    public static (PoolerLifecycleStatus Status, string Reason) Lifecycle(PoolerPhase phase, string? quarantineReason) => phase switch
    {
        PoolerPhase.Starting => (PoolerLifecycleStatus.LifecycleStarting, StartingReason),
        PoolerPhase.Active when quarantineReason is not null => (PoolerLifecycleStatus.LifecycleQuarantined, quarantineReason),
        PoolerPhase.Active => (PoolerLifecycleStatus.LifecycleActive, ActiveReason),
        PoolerPhase.Stopping => (PoolerLifecycleStatus.LifecycleStopping, StoppingReason),
        PoolerPhase.Shutdown => (PoolerLifecycleStatus.LifecycleShutdown, ShutdownReason),
        _ => throw new ArgumentOutOfRangeException(nameof(phase), phase, "a pooler publishes nothing while waiting or crashed"),
    };

    public static Multipooler Build(PoolerPublication p)
    {
        ArgumentNullException.ThrowIfNull(p);
        var spec = p.Spec;
        var (status, reason) = Lifecycle(p.Phase, p.QuarantineReason);
        var shutdown = p.Phase == PoolerPhase.Shutdown;
        var record = new Multipooler
        {
            Id = new ID { Component = ID.Types.ComponentType.Multipooler, Cell = spec.Cell, Name = spec.ServiceId },
            ShardKey = new ShardKey { Database = spec.Shard.Database, TableGroup = spec.Shard.TableGroup, Shard = spec.Shard.Shard },
            Type = shutdown ? PoolerType.Unknown : p.Primary ? PoolerType.Primary : PoolerType.Replica,
            ServingStatus = p.Phase == PoolerPhase.Active ? PoolerServingStatus.Serving : PoolerServingStatus.Disabled,
            Hostname = spec.Hostname,
            PoolerDir = spec.PoolerDir,
            PgDataDir = spec.PgDataDir,
            LifecycleStatus = new PoolerLifecycle { Status = status, Reason = reason, Updated = Timestamp.FromDateTimeOffset(p.LifecycleUpdated) },
        };
        record.PortMap.Add("grpc", spec.GrpcPort);
        record.PortMap.Add("http", spec.HttpPort);
        record.PortMap.Add("postgres", spec.PostgresPort);
        record.PortMap.Add("pgbackrest", spec.PgBackRestPort);
        if (!shutdown)
        {
            record.RoutingState = p.Primary
                ? new RoutingState { Role = RoutingRole.Primary, Rule = new RuleNumber { CoordinatorTerm = p.Term } }
                : new RoutingState { Role = RoutingRole.Replica };
        }
        return record;
    }
}
