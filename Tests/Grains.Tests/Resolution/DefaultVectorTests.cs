using System.Text.Json.Nodes;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Resolution;
using static MultigresOrleans.Grains.Tests.Resolution.ResolutionFixtures;

namespace MultigresOrleans.Grains.Tests.Resolution;

/// <summary>
/// The upstream test vector of spec §2.6: input <c>cells: [{name: c1}]</c>, no templates. Our type requires
/// <c>postgresPasswordSecretRef</c> (spec §0.1), so the input carries one and the expectation echoes it;
/// every other field is the vector's, compared as JSON so an extra or missing field fails.
/// </summary>
public sealed class DefaultVectorTests
{
    private const string ExpectedSpec = """
        postgresPasswordSecretRef: {name: pw, key: password}
        images: {imagePullPolicy: IfNotPresent}
        logLevels: {pgctld: info, multipooler: info, multiorch: info, multiadmin: info, multigateway: info}
        cells: [{name: c1, spec: {multigateway: {replicas: 1, resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {memory: 256Mi}},
                                                 buffer: {enabled: true}}}}]
        multiadmin: {spec: {replicas: 1, resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {memory: 256Mi}}}}
        multiadminWeb: {spec: {replicas: 1, resources: {requests: {cpu: 50m, memory: 64Mi}, limits: {memory: 128Mi}}}}
        globalTopoServer: {etcd: {image: gcr.io/etcd-development/etcd:v3.6.7, replicas: 3, rootPath: /multigres/global,
          resources: {requests: {cpu: 100m, memory: 256Mi}, limits: {memory: 512Mi}}, storage: {size: 1Gi}}}
        databases:
        - name: postgres
          default: true
          tablegroups:
          - name: default
            default: true
            shards:
            - name: 0-inf
              spec:
                multiorch: {replicas: 1, resources: {requests: {cpu: 50m, memory: 64Mi}, limits: {memory: 128Mi}}}
                pools:
                  default: {type: readWrite, replicasPerCell: 2, storage: {size: 1Gi},
                            postgres: {resources: {requests: {cpu: 100m, memory: 256Mi}, limits: {memory: 512Mi}}},
                            multipooler: {resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {memory: 256Mi}}}}
              backup: {type: filesystem, filesystem: {path: /backups, storage: {size: 10Gi}}}
        topologyPruning: {enabled: true}
        durabilityPolicy: AT_LEAST_2
        pvcDeletionPolicy: {whenDeleted: Delete, whenScaled: Delete}
        backup: {type: filesystem, filesystem: {path: /backups, storage: {size: 10Gi}}}
        """;

    private static MultigresClusterSpec Input => new()
    {
        PostgresPasswordSecretRef = Password,
        Cells = [new CellConfig { Name = "c1" }],
    };

    [Fact]
    public void Defaulting_the_vector_input_materialises_exactly_the_vector_spec()
    {
        var result = Defaulter.Default(Cluster(Input), InMemoryTemplateSource.Empty);

        AssertJson(ExpectedSpec, ToJson(result.Cluster.Spec));
        Assert.Equal([HardcodedDefaults.ImplicitDefaultPoolDecision], result.Decisions);
    }

    [Fact]
    public void No_component_image_is_persisted()
    {
        var spec = Defaulter.Default(Cluster(Input), InMemoryTemplateSource.Empty).Cluster.Spec;

        Assert.NotNull(spec.Images);
        Assert.Equal(PullPolicy.IfNotPresent, spec.Images.ImagePullPolicy);
        Assert.All(
            new[] { spec.Images.Multigateway, spec.Images.Multiorch, spec.Images.Multipooler, spec.Images.Multiadmin, spec.Images.MultiadminWeb, spec.Images.Postgres },
            Assert.Null);
    }

    [Fact]
    public void The_mutation_patch_turns_the_vector_input_into_the_vector_spec()
    {
        var incoming = (JsonObject)ToJson(Cluster(Input))!;

        var result = MutationPatch.Compute(incoming, InMemoryTemplateSource.Empty);

        var patched = JsonPatchApply.Apply(incoming, result.Patch);
        AssertJson(ExpectedSpec, patched!["spec"]);
        Assert.All(result.Patch, op => Assert.StartsWith("/spec/", (string)op!["path"]!, StringComparison.Ordinal));
    }
}
