using System.Text.Json.Nodes;
using MultigresOrleans.KubeSim.Observability;

namespace MultigresOrleans.KubeSim.Tests.DataPlane;

/// <summary>Every audited pod write carries the pod's resulting drain state, so a test can replay each pod's drain sequence.</summary>
[Collection(DataPlaneCollection.Name)]
public sealed class AuditDrainStateTests(DataPlaneFixture fixture)
{
    [Fact]
    public async Task Pod_writes_record_the_resulting_drain_state_annotation()
    {
        var ns = await fixture.NewNamespaceAsync("dp-audit");
        var topology = await fixture.NewTopologyAsync("audit");
        List<JsonObject> Entries() => [.. fixture.Server.Audit.Entries
            .Where(e => e["objectRef"]?["namespace"]?.GetValue<string>() == ns && e["objectRef"]?["resource"]?.GetValue<string>() == "pods")];
        // The API server audits a write once its response is sent; like the operator's drain steps (a reconcile
        // pass apart), each write here waits for its entry before the next one.
        async Task Step(Func<Task> write)
        {
            var before = Entries().Count;
            await write();
            await Eventually.WaitUntil(() => Entries().Count == before + 1, $"audit entry {before + 1}", () => $"{Entries().Count} entries");
        }

        await Step(() => fixture.CreateReadyPodAsync(ns, topology.PoolPod("drained-0")));
        foreach (var state in new[] { "requested", "draining", "acknowledged", "ready-for-deletion" })
        {
            await Step(() => fixture.AnnotatePodAsync(ns, "drained-0", AuditLog.DrainStateAnnotation, state));
            await Step(() => fixture.AnnotatePodAsync(ns, "drained-0", "unrelated", state)); // a write that keeps the drain state
        }
        await Step(() => fixture.AnnotatePodAsync(ns, "drained-0", AuditLog.DrainStateAnnotation, null));
        await Step(() => fixture.DeletePodAsync(ns, "drained-0"));

        var entries = Entries();
        string Seen(JsonObject e) => $"{e["verb"]}:{(e.TryGetPropertyValue(AuditLog.DrainStateField, out var d) ? d!.GetValue<string>() : "-")}";
        Assert.Equal(
            ["create:-", "patch:requested", "patch:requested", "patch:draining", "patch:draining", "patch:acknowledged", "patch:acknowledged",
             "patch:ready-for-deletion", "patch:ready-for-deletion", "patch:-", "delete:-"],
            entries.Select(Seen));

        // Other resources never carry the field.
        Assert.DoesNotContain(fixture.Server.Audit.Entries, e => e["objectRef"]?["resource"]?.GetValue<string>() != "pods" && e.ContainsKey(AuditLog.DrainStateField));
    }
}
