using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using MultigresOrleans.Grains.DataPlane.ManagerData;
using MultigresOrleans.Grains.Topology.ClusterMetadata;

namespace MultigresOrleans.Grains.Tests.DataPlane;

/// <summary>The field numbers, types and package of our proto copy are the wire contract (dataplane-contracts §3.2–3.3).</summary>
public sealed class ManagerDataContractTests
{
    private static void AssertFields(MessageDescriptor message, params (int Number, string Name, FieldType Type)[] expected)
    {
        Assert.Equal(expected.Select(f => (f.Number, f.Name, f.Type)), message.Fields.InFieldNumberOrder().Select(f => (f.FieldNumber, f.Name, f.FieldType)));
    }

    [Fact]
    public void Messages_live_in_package_multipoolermanagerdata()
    {
        Assert.Equal("multipoolermanagerdata.GetBackupsRequest", GetBackupsRequest.Descriptor.FullName);
        Assert.Equal("multipoolermanagerdata.BackupMetadata", BackupMetadata.Descriptor.FullName);
        Assert.Equal("multipoolermanagerdata.ReloadConfigResponse", ReloadConfigResponse.Descriptor.FullName);
        Assert.Equal("multipoolermanagerdata.SettingMismatch", SettingMismatch.Descriptor.FullName);
    }

    [Fact]
    public void GetBackups_messages_have_the_contract_fields()
    {
        AssertFields(GetBackupsRequest.Descriptor, (1, "limit", FieldType.UInt32));
        AssertFields(GetBackupsResponse.Descriptor, (1, "backups", FieldType.Message));
        AssertFields(BackupMetadata.Descriptor,
            (1, "table_group", FieldType.String), (2, "shard", FieldType.String), (3, "status", FieldType.Enum), (4, "backup_id", FieldType.String),
            (5, "stop_lsn", FieldType.String), (6, "job_id", FieldType.String), (7, "backup_size_bytes", FieldType.UInt64), (8, "type", FieldType.String),
            (9, "multipooler_id", FieldType.String), (10, "routing_role", FieldType.Enum), (11, "start_timestamp", FieldType.Message),
            (12, "stop_timestamp", FieldType.Message), (13, "start_lsn", FieldType.String), (14, "pg_version", FieldType.String));
        Assert.Equal("clustermetadata.RoutingRole", BackupMetadata.Descriptor.FindFieldByNumber(10).EnumType.FullName);
        Assert.Equal("google.protobuf.Timestamp", BackupMetadata.Descriptor.FindFieldByNumber(12).MessageType.FullName);
        Assert.Equal([("UNKNOWN", 0), ("INCOMPLETE", 1), ("COMPLETE", 2)],
            BackupMetadata.Descriptor.EnumTypes.Single().Values.Select(v => (v.Name, v.Number)));
    }

    [Fact]
    public void ReloadConfig_messages_have_the_contract_fields()
    {
        var map = ReloadConfigRequest.Descriptor.FindFieldByNumber(1);
        Assert.Equal("expected_settings", map.Name);
        Assert.True(map.IsMap);
        AssertFields(ReloadConfigResponse.Descriptor,
            (1, "config_load_time", FieldType.Message), (2, "mismatches", FieldType.Message), (3, "needs_restart", FieldType.Bool));
        AssertFields(SettingMismatch.Descriptor, (1, "name", FieldType.String), (2, "error", FieldType.String), (3, "requires_restart", FieldType.Bool));
    }

    [Fact]
    public void Bytes_on_the_wire_match_hand_encoded_protobuf()
    {
        // status COMPLETE (field 3 varint 2), routing_role PRIMARY (field 10 varint 1), stop_timestamp {seconds: 1} (field 12).
        var backup = new BackupMetadata
        {
            Status = BackupMetadata.Types.Status.Complete,
            RoutingRole = RoutingRole.Primary,
            StopTimestamp = new Timestamp { Seconds = 1 },
        };
        Assert.Equal(new byte[] { 0x18, 0x02, 0x50, 0x01, 0x62, 0x02, 0x08, 0x01 }, backup.ToByteArray());
        Assert.Equal(new byte[] { 0x08, 0x0A }, new GetBackupsRequest { Limit = 10 }.ToByteArray());
        Assert.Equal(new byte[] { 0x0A, 0x06, 0x0A, 0x01, (byte)'a', 0x12, 0x01, (byte)'b' }, new ReloadConfigRequest { ExpectedSettings = { ["a"] = "b" } }.ToByteArray());
    }
}
