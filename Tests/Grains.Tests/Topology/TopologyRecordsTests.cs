using System.Globalization;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using MultigresOrleans.Grains.Topology;
using MultigresOrleans.Grains.Topology.ClusterMetadata;

namespace MultigresOrleans.Grains.Tests.Topology;

/// <summary>
/// Wire compatibility: encoded bytes are checked against protobuf encodings worked out by hand from
/// the field numbers of dataplane-contracts §2.5 (tag = field &lt;&lt; 3 | wire type; 2 = length-delimited, 0 = varint).
/// </summary>
public sealed class TopologyRecordsTests
{
    private static byte[] Bytes(params object[] parts)
    {
        var bytes = new List<byte>();
        foreach (var part in parts)
        {
            switch (part)
            {
                case int b: bytes.Add(checked((byte)b)); break;
                case string s: bytes.AddRange(System.Text.Encoding.UTF8.GetBytes(s)); break;
                default: throw new ArgumentException("int or string", nameof(parts));
            }
        }
        return [.. bytes];
    }

    [Fact]
    public void Cell_encodes_with_fields_1_2_3()
    {
        var cell = TopologyRecords.NewCell("z1", ["a:1", "b"], "/r");
        byte[] expected = Bytes(0x0A, 2, "z1", 0x12, 3, "a:1", 0x12, 1, "b", 0x1A, 2, "/r");
        Assert.Equal(expected, TopologyRecords.Encode(cell));
        Assert.Equal(cell, TopologyRecords.DecodeCell(expected));
    }

    [Fact]
    public void Database_encodes_backup_location_cells_and_durability_policy()
    {
        var database = TopologyRecords.NewDatabase("db", TopologyRecords.FilesystemBackupLocation("/b", requireEncryption: false), ["z1"],
            TopologyRecords.DurabilityPolicyFor("AT_LEAST_2"));
        byte[] expected = Bytes(
            0x0A, 2, "db",
            0x12, 6, 0x0A, 4, 0x0A, 2, "/b",              // backup_location { filesystem(1) { path(1) } }
            0x1A, 2, "z1",                                  // cells
            0x22, 16, 0x0A, 10, "AT_LEAST_2", 0x18, 3, 0x20, 2); // policy { name(1), quorum_type(3)=3, required_count(4)=2 }
        Assert.Equal(expected, TopologyRecords.Encode(database));
        Assert.Equal(database, TopologyRecords.DecodeDatabase(expected));
    }

    [Fact]
    public void S3_backup_location_uses_oneof_field_2_and_flags_3_and_4()
    {
        var location = TopologyRecords.S3BackupLocation(new S3Backup { Bucket = "bk", UseEnvCredentials = true }, requireEncryption: true);
        location.AuthoritativeGeneration = 1;
        byte[] expected = Bytes(0x12, 6, 0x0A, 2, "bk", 0x28, 1, 0x18, 1, 0x20, 1);
        Assert.Equal(expected, location.ToByteArray());
    }

    [Fact]
    public void Multipooler_encodes_id_hostname_ports_lifecycle_and_routing_state()
    {
        var pooler = new Multipooler
        {
            Id = new ID { Component = ID.Types.ComponentType.Multipooler, Cell = "c", Name = "n" },
            ShardKey = new ShardKey { Database = "d", TableGroup = "t", Shard = "0" },
            ServingStatus = PoolerServingStatus.Disabled,
            Hostname = "h",
            LifecycleStatus = new PoolerLifecycle { Status = PoolerLifecycleStatus.LifecycleShutdown, Reason = "r", Updated = new Timestamp { Seconds = 1 } },
            RoutingState = new RoutingState { Role = RoutingRole.Primary },
        };
        pooler.PortMap.Add("grpc", 15);
        byte[] expected = Bytes(
            0x0A, 8, 0x08, 1, 0x12, 1, "c", 0x1A, 1, "n",          // id(1) { component(1)=1, cell(2), name(3) }
            0x12, 9, 0x0A, 1, "d", 0x12, 1, "t", 0x1A, 1, "0",     // shard_key(2)
            0x38, 1,                                                // serving_status(7) = DISABLED
            0x42, 1, "h",                                           // hostname(8)
            0x4A, 8, 0x0A, 4, "grpc", 0x10, 15,                     // port_map(9) entry { key(1), value(2) }
            0x62, 9, 0x08, 4, 0x12, 1, "r", 0x1A, 2, 0x08, 1,       // lifecycle_status(12) { status=4, reason, updated { seconds=1 } }
            0x6A, 2, 0x08, 1);                                      // routing_state(13) { role=PRIMARY }
        Assert.Equal(expected, TopologyRecords.Encode(pooler));
        Assert.Equal(pooler, TopologyRecords.DecodeMultipooler(expected));
    }

    [Fact]
    public void Unknown_fields_from_a_newer_writer_survive_a_merge()
    {
        // Field 9 (varint 7) is not in our Cell: tag 9<<3|0 = 0x48.
        byte[] stored = Bytes(0x0A, 2, "z1", 0x1A, 2, "/r", 0x48, 7);
        var merged = TopologyRecords.MergeCell(TopologyRecords.DecodeCell(stored), TopologyRecords.NewCell("z1", ["x"], "/r"));
        Assert.Equal(Bytes(0x0A, 2, "z1", 0x12, 1, "x", 0x1A, 2, "/r", 0x48, 7), TopologyRecords.Encode(merged));
    }

    [Theory]
    [InlineData(null, "AT_LEAST_2", QuorumType.AtLeastN)]
    [InlineData("", "AT_LEAST_2", QuorumType.AtLeastN)]
    [InlineData("AT_LEAST_2", "AT_LEAST_2", QuorumType.AtLeastN)]
    [InlineData("MULTI_CELL_AT_LEAST_2", "MULTI_CELL_AT_LEAST_2", QuorumType.MultiCellAtLeastN)]
    public void Durability_policy_names_map_to_quorum_types(string? name, string policyName, QuorumType quorum)
    {
        var policy = TopologyRecords.DurabilityPolicyFor(name);
        Assert.Equal(policyName, policy.PolicyName);
        Assert.Equal(quorum, policy.QuorumType);
        Assert.Equal(2, policy.RequiredCount);
        Assert.Equal(0, policy.PolicyVersion);
    }

    [Fact]
    public void Unsupported_durability_policy_has_the_reference_message()
    {
        var error = Assert.Throws<ArgumentException>(() => TopologyRecords.DurabilityPolicyFor("ANY_3"));
        Assert.StartsWith("unsupported durability policy \"ANY_3\" (supported: AT_LEAST_2, MULTI_CELL_AT_LEAST_2)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Filesystem_backup_defaults_to_slash_backups() =>
        Assert.Equal("/backups", TopologyRecords.FilesystemBackupLocation(null, false).Filesystem.Path);

    [Fact]
    public void Database_merge_overwrites_spec_fields_but_keeps_authoritative_generation()
    {
        var stored = TopologyRecords.NewDatabase("db", TopologyRecords.FilesystemBackupLocation("/old", false), ["z1"], TopologyRecords.DurabilityPolicyFor(null));
        stored.BackupLocation.AuthoritativeGeneration = 1;
        var desired = TopologyRecords.NewDatabase("db", TopologyRecords.FilesystemBackupLocation("/new", true), ["z1", "z2"],
            TopologyRecords.DurabilityPolicyFor("MULTI_CELL_AT_LEAST_2"));

        var merged = TopologyRecords.MergeDatabase(stored, desired);

        Assert.Equal("/new", merged.BackupLocation.Filesystem.Path);
        Assert.True(merged.BackupLocation.RequireInitialRepoEncryption);
        Assert.Equal(1, merged.BackupLocation.AuthoritativeGeneration);
        Assert.Equal(["z1", "z2"], merged.Cells);
        Assert.Equal("MULTI_CELL_AT_LEAST_2", merged.BootstrapDurabilityPolicy.PolicyName);
        Assert.Equal(1, stored.BackupLocation.AuthoritativeGeneration); // the input is not mutated
        Assert.Equal("/old", stored.BackupLocation.Filesystem.Path);
    }

    [Fact]
    public void Merging_an_equal_desired_record_gives_an_equal_record()
    {
        var database = TopologyRecords.NewDatabase("db", TopologyRecords.FilesystemBackupLocation(null, false), ["z1"], TopologyRecords.DurabilityPolicyFor(null));
        Assert.Equal(database, TopologyRecords.MergeDatabase(database, database.Clone()));
        var cell = TopologyRecords.NewCell("z1", ["a"], "/r");
        Assert.Equal(cell, TopologyRecords.MergeCell(cell, cell.Clone()));
    }

    [Fact]
    public void Shutdown_mark_changes_only_the_lifecycle()
    {
        var pooler = new Multipooler
        {
            Id = new ID { Component = ID.Types.ComponentType.Multipooler, Cell = "c", Name = "p-1" },
            Hostname = "pod-0.svc.ns.svc.cluster.local",
            LifecycleStatus = new PoolerLifecycle { Status = PoolerLifecycleStatus.LifecycleActive, Reason = "pooler active" },
            RoutingState = new RoutingState { Role = RoutingRole.Primary },
        };
        var now = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
        var marked = TopologyRecords.WithShutdown(pooler, TopologyRecords.DeadPoolerReason, now);

        Assert.Equal(PoolerLifecycleStatus.LifecycleShutdown, marked.LifecycleStatus.Status);
        Assert.Equal("operator: no backing pod for pooler", marked.LifecycleStatus.Reason);
        Assert.Equal(now, marked.LifecycleStatus.Updated.ToDateTimeOffset());
        marked.LifecycleStatus = pooler.LifecycleStatus;
        Assert.Equal(pooler, marked);
        Assert.True(TopologyRecords.IsShutdown(TopologyRecords.WithShutdown(pooler, "x", now)));
        Assert.False(TopologyRecords.IsShutdown(pooler));
    }

    [Theory]
    [InlineData("pod-0", "p-1", "pod-0.pool-headless.ns.svc.cluster.local", true)]
    [InlineData("pod-0", "p-1", "pod-0", true)]
    [InlineData("pod-0", "pod-0", "elsewhere", true)]
    [InlineData("pod-0", "p-1", "pod-01.pool-headless", false)]
    [InlineData("pod-0", "p-1", "", false)]
    public void Pod_matches_pooler_by_name_or_hostname(string pod, string idName, string hostname, bool matches) =>
        Assert.Equal(matches, TopologyRecords.PodMatchesPooler(pod, new Multipooler { Id = new ID { Name = idName }, Hostname = hostname }));

    [Fact]
    public void Dead_poolers_are_unmatched_and_not_already_shutdown()
    {
        PoolerRecord Record(string name, string host, PoolerLifecycleStatus status) =>
            new($"k/{name}", new Multipooler { Id = new ID { Name = name }, Hostname = host, LifecycleStatus = new PoolerLifecycle { Status = status } }, 1);
        var live = Record("p-1", "pod-0.svc", PoolerLifecycleStatus.LifecycleActive);
        var dead = Record("p-2", "pod-9.svc", PoolerLifecycleStatus.LifecycleActive);
        var gone = Record("p-3", "pod-8.svc", PoolerLifecycleStatus.LifecycleShutdown);

        Assert.Equal([dead], TopologyRecords.FindDeadPoolers([live, dead, gone], ["pod-0", "pod-1"]));
    }

    [Fact]
    public void A_record_without_a_pod_is_marked_only_after_the_grace_period_and_a_returning_pod_resets_it()
    {
        PoolerRecord Record(string name) => new($"k/{name}", new Multipooler { Id = new ID { Name = name }, Hostname = name + ".svc" }, 1);
        var grace = TimeSpan.FromSeconds(60);
        var t0 = DateTimeOffset.Parse("2026-12-06T12:00:00Z", CultureInfo.InvariantCulture);
        var a = Record("pod-a");
        var b = Record("pod-b");

        var first = TopologyRecords.DueForShutdownMark([a], new Dictionary<string, DateTimeOffset>(), t0, grace);
        Assert.Empty(first.ToMark);
        Assert.Equal(grace, first.NextDue);

        var later = TopologyRecords.DueForShutdownMark([a, b], first.AbsentSince, t0.AddSeconds(45), grace);
        Assert.Empty(later.ToMark);
        Assert.Equal(TimeSpan.FromSeconds(15), later.NextDue); // a is due first
        Assert.Equal(t0.AddSeconds(45), later.AbsentSince[b.Key]);

        var due = TopologyRecords.DueForShutdownMark([a, b], later.AbsentSince, t0.AddSeconds(60), grace);
        Assert.Equal([a], due.ToMark);
        Assert.Equal(TimeSpan.FromSeconds(45), due.NextDue);

        // b's pod came back (it is no candidate any more), then went again: its clock starts over.
        var back = TopologyRecords.DueForShutdownMark([a], due.AbsentSince, t0.AddSeconds(70), grace);
        Assert.False(back.AbsentSince.ContainsKey(b.Key));
        var again = TopologyRecords.DueForShutdownMark([a, b], back.AbsentSince, t0.AddSeconds(110), grace);
        Assert.Equal([a], again.ToMark);
        Assert.Equal(t0.AddSeconds(110), again.AbsentSince[b.Key]);

        // A time recorded in the future (clock moved back) counts from now, never marks early.
        var skewed = TopologyRecords.DueForShutdownMark([b], new Dictionary<string, DateTimeOffset> { [b.Key] = t0.AddHours(1) }, t0, grace);
        Assert.Empty(skewed.ToMark);
        Assert.Equal(grace, skewed.NextDue);
    }
}
