namespace MultigresOrleans.Grains.Abstractions.Tests.Crds;

/// <summary>
/// Every CEL rule of spec §1, verbatim with its message, sits at the schema node the spec names.
/// The table is written from the spec, not from the generator, so a rule moved, reworded or lost
/// in the C# types fails here.
/// </summary>
public sealed class CrdCelRuleTests
{
    private const string PodAnnotations = "self.all(k, size(k) < 64 && size(self[k]) < 256) ~> annotation keys must be <64 chars and values <256 chars";
    private const string PodLabels = "self.all(k, size(k) < 64 && size(self[k]) < 64) ~> label keys and values must be <64 chars";
    private const string EtcdOdd = "self % 2 == 1 ~> etcd replicas must be an odd number (1, 3, 5); even numbers provide no additional fault tolerance over the next lower odd number";
    private const string S3 = "self.type != 's3' || has(self.s3) ~> s3 config is required when type is 's3'";
    private const string Filesystem = "self.type != 'filesystem' || has(self.filesystem) ~> filesystem config is required when type is 'filesystem'";
    private const string Encryption = "has(self.encryption) == has(oldSelf.encryption) && (!has(self.encryption) || self.encryption == oldSelf.encryption) ~> encryption is immutable and cannot be added, removed, or changed after creation";
    private const string S3Secret = "!(has(self.serviceAccountName) && size(self.serviceAccountName) > 0 && has(self.credentialsSecret) && size(self.credentialsSecret) > 0) ~> serviceAccountName and credentialsSecret are mutually exclusive";
    private const string S3Env = "!(has(self.serviceAccountName) && size(self.serviceAccountName) > 0 && has(self.useEnvCredentials) && self.useEnvCredentials) ~> serviceAccountName and useEnvCredentials are mutually exclusive \u2014 IRSA credentials are handled automatically";
    private const string LocalTopoEither = "has(self.etcd) || has(self.external) ~> must specify either 'etcd' or 'external'";
    private const string LocalTopoOnlyOne = "!(has(self.etcd) && has(self.external)) ~> only one of 'etcd' or 'external' can be set";
    private const string ZoneBoth = "!(has(self.zoneId) && has(self.region)) ~> cannot specify both 'zoneId' and 'region'";
    private const string ZoneOne = "has(self.zoneId) || has(self.region) ~> at least one of 'zoneId' or 'region' must be specified";
    private const string PoolCells = "oldSelf.all(c, c in self) ~> Cells cannot be removed from a pool (Append-Only)";
    private const string PoolsAppendOnly = "oldSelf.all(k, k in self) ~> Pools cannot be removed or renamed in this version (Append-Only)";
    private const string PoolNames25 = "self.all(key, size(key) <= 25) ~> pool names must be <= 25 chars";
    private const string PoolNames63 = "self.all(key, size(key) < 63) ~> pool names must be < 63 chars";
    private const string MustEtcd = "has(self.etcd) ~> must specify 'etcd' configuration";
    private const string SpecOrRef = "has(self.spec) || has(self.templateRef) ~> must specify either 'spec' or 'templateRef'";
    private const string NotBothRef = "!(has(self.spec) && has(self.templateRef)) ~> cannot specify both 'spec' and 'templateRef'";
    private const string ReservedAnnotations = "!has(self.annotations) || self.annotations.all(k, !k.startsWith('multigres.com/')) ~> annotations must not use multigres.com/ prefix (reserved for operator)";
    private const string Endpoints = "self.all(x, x.matches('^https?://')) ~> endpoints must be valid URLs";
    private const string Shard = "spec.databases[].tablegroups[].shards[]";

    public static TheoryData<string, string, string> Rules => new()
    {
        // §1.2 MultigresCluster.
        { "MultigresCluster", "", "self.metadata.name.size() <= 25 ~> MultigresCluster name must be at most 25 characters" },
        { "MultigresCluster", "spec.cells", "oldSelf.all(c, c.name in self.map(x, x.name)) ~> Cells cannot be removed or renamed (Append-Only)" },
        { "MultigresCluster", "spec.cells[]", "!(has(self.spec) && has(self.cellTemplate)) ~> cannot specify both 'spec' and 'cellTemplate'" },
        { "MultigresCluster", "spec.cells[]", "!(has(self.spec) && has(self.overrides)) ~> cannot specify both 'spec' and 'overrides'" },
        { "MultigresCluster", "spec.cells[]", ZoneBoth },
        { "MultigresCluster", "spec.cells[]", ZoneOne },
        { "MultigresCluster", "spec.databases", "self.all(db, db.name == 'postgres' && db.default == true) ~> in v1alpha1, only the single system database named 'postgres' (marked default: true) is supported" },
        { "MultigresCluster", "spec.databases[].tablegroups", "self.filter(x, has(x.default) && x.default).size() == 1 ~> every database must have exactly one tablegroup marked as default" },
        { "MultigresCluster", "spec.databases[].tablegroups[]", "!has(self.default) || !self.default || self.name == 'default' ~> the default tablegroup must be named 'default'" },
        { "MultigresCluster", Shard, "!(has(self.spec) && has(self.shardTemplate)) ~> cannot specify both 'spec' and 'shardTemplate'" },
        { "MultigresCluster", Shard, "!(has(self.spec) && has(self.overrides)) ~> cannot specify both 'spec' and 'overrides'" },
        { "MultigresCluster", Shard + ".name", "self == '0-inf' ~> shardName must be strictly equal to '0-inf' in this version" },
        { "MultigresCluster", Shard + ".spec.pools", PoolNames25 },
        { "MultigresCluster", Shard + ".spec.pools", PoolsAppendOnly },
        { "MultigresCluster", Shard + ".overrides.pools", PoolNames25 },
        { "MultigresCluster", Shard + ".overrides.pools", PoolsAppendOnly },
        { "MultigresCluster", Shard + ".spec.pools{}.cells", PoolCells },
        { "MultigresCluster", Shard + ".overrides.pools{}.cells", PoolCells },
        { "MultigresCluster", "spec.multiadmin", SpecOrRef },
        { "MultigresCluster", "spec.multiadmin", NotBothRef },
        { "MultigresCluster", "spec.multiadminWeb", SpecOrRef },
        { "MultigresCluster", "spec.multiadminWeb", NotBothRef },
        { "MultigresCluster", "spec.globalTopoServer", "[has(self.etcd), has(self.external), has(self.templateRef)].filter(x, x).size() == 1 ~> must specify exactly one of 'etcd', 'external', or 'templateRef'" },
        { "MultigresCluster", "spec.externalGateway", ReservedAnnotations },
        { "MultigresCluster", "spec.externalAdminWeb", ReservedAnnotations },
        { "MultigresCluster", "spec.backup", S3 },
        { "MultigresCluster", "spec.backup", Filesystem },
        { "MultigresCluster", "spec.backup", Encryption },
        { "MultigresCluster", "spec.databases[].backup", Encryption },
        { "MultigresCluster", "spec.databases[].tablegroups[].backup", S3 },
        { "MultigresCluster", Shard + ".backup", Filesystem },
        { "MultigresCluster", "spec.backup.s3", S3Secret },
        { "MultigresCluster", "spec.backup.s3", S3Env },
        { "MultigresCluster", "spec.multiadmin.spec.podAnnotations", PodAnnotations },
        { "MultigresCluster", "spec.multiadmin.spec.podLabels", PodLabels },
        { "MultigresCluster", "spec.cells[].spec.multigateway.podLabels", PodLabels },
        { "MultigresCluster", Shard + ".spec.multiorch.podAnnotations", PodAnnotations },
        { "MultigresCluster", "spec.globalTopoServer.etcd.replicas", EtcdOdd },
        { "MultigresCluster", "spec.globalTopoServer.external.endpoints", Endpoints },
        { "MultigresCluster", "spec.cells[].spec.localTopoServer", LocalTopoEither },
        { "MultigresCluster", "spec.cells[].spec.localTopoServer", LocalTopoOnlyOne },
        { "MultigresCluster", "spec.cells[].spec.localTopoServer.etcd.replicas", EtcdOdd },

        // §1.3 Templates.
        { "CoreTemplate", "spec.globalTopoServer", MustEtcd },
        { "CoreTemplate", "spec.globalTopoServer.etcd.replicas", EtcdOdd },
        { "CoreTemplate", "spec.multiadmin.podLabels", PodLabels },
        { "CellTemplate", "spec.localTopoServer", LocalTopoEither },
        { "CellTemplate", "spec.localTopoServer", LocalTopoOnlyOne },
        { "CellTemplate", "spec.localTopoServer.external.endpoints", Endpoints },
        { "CellTemplate", "spec.multigateway.podAnnotations", PodAnnotations },
        { "ShardTemplate", "spec.pools", PoolNames63 },
        { "ShardTemplate", "spec.pools", PoolsAppendOnly },
        { "ShardTemplate", "spec.pools{}.cells", PoolCells },

        // §1.4 Children.
        { "Cell", "spec", ZoneBoth },
        { "Cell", "spec", ZoneOne },
        { "Cell", "spec.topoServer", LocalTopoEither },
        { "TableGroup", "spec.shards[].pools", PoolNames63 },
        { "TableGroup", "spec.shards[].pools{}.cells", PoolCells },
        { "TableGroup", "spec.shards[].backup", Encryption },
        { "TableGroup", "spec.backup", S3 },
        { "Shard", "spec.pools", PoolNames63 },
        { "Shard", "spec.backup", Filesystem },
        { "Shard", "spec.backup.s3", S3Env },
        { "TopoServer", "spec", MustEtcd },
        { "TopoServer", "spec.etcd.replicas", EtcdOdd },
    };

    [Theory]
    [MemberData(nameof(Rules))]
    public void Rule_is_at_its_place_with_its_message(string kind, string path, string ruleAndMessage)
    {
        var parts = ruleAndMessage.Split(" ~> ");
        var (rule, message) = (parts[0], parts[1]);
        var node = SchemaPath.At(CrdGenerationTests.Kind(kind).Schema, path);
        var found = (node.XKubernetesValidations ?? []).Where(v => v.Rule == rule).ToList();
        Assert.True(found.Count == 1, $"{kind} {path}: expected rule `{rule}` once, found it {found.Count} times among [{string.Join("; ", (node.XKubernetesValidations ?? []).Select(v => v.Rule))}]");
        Assert.Equal(message, found[0].Message);
    }

    [Fact]
    public void User_shard_specs_and_templates_limit_pool_names_differently()
    {
        // 25 where users name pools (the name budget of §4.3), 63 in templates and children.
        var cluster = CrdGenerationTests.Kind("MultigresCluster").Schema;
        Assert.DoesNotContain(SchemaPath.At(cluster, Shard + ".spec.pools").XKubernetesValidations!, v => v.Rule.Contains("< 63", StringComparison.Ordinal));
        Assert.DoesNotContain(SchemaPath.At(CrdGenerationTests.Kind("ShardTemplate").Schema, "spec.pools").XKubernetesValidations!, v => v.Rule.Contains("<= 25", StringComparison.Ordinal));
    }

    [Fact]
    public void Cell_inline_specs_no_longer_forbid_local_topology_servers()
    {
        var cluster = CrdGenerationTests.Kind("MultigresCluster").Schema;
        Assert.Null(SchemaPath.At(cluster, "spec.cells[].spec").XKubernetesValidations);
        Assert.Null(CrdGenerationTests.Kind("CellTemplate").Schema.Properties!["spec"].XKubernetesValidations);
    }
}
