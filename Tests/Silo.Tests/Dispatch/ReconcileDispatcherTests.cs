using Microsoft.Extensions.Logging.Abstractions;
using MultigresOrleans.Grains.Abstractions.Grains;
using MultigresOrleans.Silo.Dispatch;

namespace MultigresOrleans.Silo.Tests.Dispatch;

/// <summary>The silo's work queue: ownership filter, per-grain coalescing, backoff and requeue on a fake clock.</summary>
public sealed class ReconcileDispatcherTests
{
    private static readonly GrainTarget Target = new(GrainKind.Cluster, "ns/c");

    [Fact]
    public async Task Events_for_a_grain_another_silo_owns_are_dropped()
    {
        var calls = 0;
        await using var dispatcher = new ReconcileDispatcher(_ => false, _ => { Interlocked.Increment(ref calls); return Task.FromResult(ReconcileResult.Done); },
            new FakeTimeProvider(), NullLogger<ReconcileDispatcher>.Instance);

        dispatcher.Enqueue(Target);

        Assert.Equal(1, dispatcher.NotOwned);
        Assert.Equal(0, dispatcher.Started);
        Assert.Equal(0, calls);
    }

    [Fact]
    public async Task Events_during_a_running_reconcile_coalesce_into_one_more_run()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = 0;
        await using var dispatcher = new ReconcileDispatcher(_ => true, async _ =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                started.TrySetResult();
                await release.Task;
            }

            return ReconcileResult.Done;
        }, new FakeTimeProvider(), NullLogger<ReconcileDispatcher>.Instance);

        dispatcher.Enqueue(Target);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        for (var i = 0; i < 50; i++)
            dispatcher.Enqueue(Target); // all while the first run is busy
        release.SetResult();

        await Eventually.WaitUntil(() => dispatcher.Busy == 0, "the dispatcher to go idle", () => $"busy {dispatcher.Busy}, calls {calls}");
        Assert.Equal(2, calls); // the first run plus exactly one coalesced run
    }

    [Fact]
    public async Task A_failing_reconcile_is_retried_with_doubling_backoff_on_the_injected_clock()
    {
        var time = new FakeTimeProvider();
        var calls = 0;
        await using var dispatcher = new ReconcileDispatcher(_ => true, _ =>
        {
            Interlocked.Increment(ref calls);
            return Task.FromException<ReconcileResult>(new InvalidOperationException("boom"));
        }, time, NullLogger<ReconcileDispatcher>.Instance) { InitialBackoff = TimeSpan.FromSeconds(1), MaxBackoff = TimeSpan.FromSeconds(4) };

        dispatcher.Enqueue(Target);
        await Eventually.WaitUntil(() => calls == 1 && dispatcher.Busy == 0 && time.PendingTimers == 1, "the first failure to schedule a retry", () => $"calls {calls}, timers {time.PendingTimers}");
        time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.Equal(1, calls); // not before the 1 s backoff
        time.Advance(TimeSpan.FromMilliseconds(1));
        await Eventually.WaitUntil(() => calls == 2 && dispatcher.Busy == 0 && time.PendingTimers == 1, "the retry after 1 s", () => $"calls {calls}");
        time.Advance(TimeSpan.FromSeconds(1.5));
        Assert.Equal(2, calls); // the second backoff is 2 s
        time.Advance(TimeSpan.FromSeconds(0.5));
        await Eventually.WaitUntil(() => calls == 3 && dispatcher.Busy == 0 && time.PendingTimers == 1, "the retry after 2 s", () => $"calls {calls}");
    }

    [Fact]
    public async Task A_write_conflict_is_retried_soon_without_growing_the_backoff()
    {
        var time = new FakeTimeProvider();
        var calls = 0;
        var conflict = new Kubernetes.Client.ConflictException(System.Net.HttpStatusCode.Conflict, new Kubernetes.Models.Status { Code = 409 }, "patch", "/x");
        await using var dispatcher = new ReconcileDispatcher(_ => true,
            _ => Interlocked.Increment(ref calls) <= 3 ? Task.FromException<ReconcileResult>(conflict) : Task.FromResult(ReconcileResult.Done),
            time, NullLogger<ReconcileDispatcher>.Instance) { InitialBackoff = TimeSpan.FromSeconds(10) };

        dispatcher.Enqueue(Target);
        for (var expected = 2; expected <= 4; expected++)
        {
            await Eventually.WaitUntil(() => dispatcher.Busy == 0 && time.PendingTimers == 1, "a conflict retry to be scheduled", () => $"calls {calls}");
            time.Advance(TimeSpan.FromMilliseconds(200)); // the conflict delay, every time: not the 10 s failure backoff
            var want = expected;
            await Eventually.WaitUntil(() => calls == want, $"call {want}", () => $"calls {calls}");
        }

        await Eventually.WaitUntil(() => dispatcher.Busy == 0 && time.PendingTimers == 0, "the dispatcher to be done", () => $"timers {time.PendingTimers}");
        Assert.Equal(4, calls);
    }

    [Fact]
    public async Task A_requested_requeue_runs_the_grain_again_after_its_delay()
    {
        var time = new FakeTimeProvider();
        var calls = 0;
        await using var dispatcher = new ReconcileDispatcher(_ => true,
            _ => Task.FromResult(Interlocked.Increment(ref calls) == 1 ? ReconcileResult.After(TimeSpan.FromSeconds(30)) : ReconcileResult.Done),
            time, NullLogger<ReconcileDispatcher>.Instance);

        dispatcher.Enqueue(Target);
        await Eventually.WaitUntil(() => calls == 1 && dispatcher.Busy == 0 && time.PendingTimers == 1, "the requeue to be scheduled", () => $"calls {calls}");
        time.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(1, calls);
        time.Advance(TimeSpan.FromSeconds(1));
        await Eventually.WaitUntil(() => calls == 2 && dispatcher.Busy == 0, "the requeued run", () => $"calls {calls}");
        Assert.Equal(0, time.PendingTimers); // Done: nothing more scheduled
    }
}
