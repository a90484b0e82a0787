using MultigresOrleans.Grains.Builders.Cells;
using MultigresOrleans.Grains.Builders.TopoServers;

namespace MultigresOrleans.Grains.Tests.Builders.Cells;

/// <summary>Event texts of the Cell and TopoServer controllers (spec §10.7).</summary>
public sealed class CellEventsTests
{
    [Fact]
    public void Cell_event_messages_match_the_catalogue()
    {
        Assert.Equal("Applied Deployment d", CellEvents.AppliedMessage("Deployment", "d"));
        Assert.Equal("Deleted stale local TopoServer t", CellEvents.DeletedStaleLocalTopoServerMessage("t"));
        Assert.Equal("Cell c marked ready for deletion", CellEvents.ReadyForDeletionMessage("c"));
        Assert.Equal("Failed to sync Gateway Deployment: e", CellEvents.FailedDeploymentMessage("e"));
        Assert.Equal("Failed to reconcile Multigateway Service: e", CellEvents.FailedServiceMessage("e"));
        Assert.Equal("Failed to reconcile local TopoServer: e", CellEvents.FailedLocalTopoServerMessage("e"));
        Assert.Equal("Successfully reconciled Cell", CellEvents.SyncedMessage);
        Assert.Equal("cell-controller", CellEvents.Source);
    }

    [Fact]
    public void Topo_server_event_messages_match_the_catalogue()
    {
        Assert.Equal("Applied StatefulSet s", TopoServerEvents.AppliedMessage("StatefulSet", "s"));
        Assert.Equal("Failed to reconcile StatefulSet: e", TopoServerEvents.FailedStatefulSetMessage("e"));
        Assert.Equal("Failed to reconcile headless Service: e", TopoServerEvents.FailedHeadlessServiceMessage("e"));
        Assert.Equal("Failed to reconcile client Service: e", TopoServerEvents.FailedClientServiceMessage("e"));
        Assert.Equal("Successfully reconciled TopoServer", TopoServerEvents.SyncedMessage);
        Assert.Equal("toposerver-controller", TopoServerEvents.Source);
    }
}
