using MultigresOrleans.KubeSim.Api;
using MultigresOrleans.KubeSim.Storage;

namespace MultigresOrleans.KubeSim.Controllers;

/// <summary>
/// A simulated controller: follows the store's change stream the way real controllers follow
/// informers, one event at a time, from the moment it starts. One bad object is reported and
/// skipped; it never stops the loop for everyone else.
/// </summary>
public abstract class StoreEventController(ResourceService service) : BackgroundService
{
    protected ResourceService Service { get; } = service;

    /// <summary>Cancelled when KubeSim stops; for work a handler starts that outlives the event.</summary>
    protected CancellationToken Stopping { get; private set; }

    protected abstract Task HandleAsync(WatchEvent e, CancellationToken ct);

    protected abstract void OnHandlerFailed(WatchEvent e, Exception error);

    protected sealed override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        Stopping = stoppingToken;
        using var subscription = Service.Store.Watch(null, null, Service.Store.CurrentResourceVersion);
        var reader = subscription.Events;
        try
        {
            while (await reader.WaitToReadAsync(stoppingToken))
            {
                while (reader.TryRead(out var e))
                {
                    try
                    {
                        await HandleAsync(e, stoppingToken);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        OnHandlerFailed(e, ex);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
