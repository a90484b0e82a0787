using System.Diagnostics;

namespace MultigresOrleans.Tests.Shared;

/// <summary>
/// Waits for a condition with a deadline; a failure says what was expected and what was seen.
/// The condition is polled on a short periodic timer: the interval only bounds how soon a true
/// condition is noticed, it never stands in for the event being waited on.
/// </summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultDeadline = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(2);

    public static async Task WaitUntil(Func<bool> condition, string expected, Func<string> seen, TimeSpan? deadline = null)
    {
        var limit = deadline ?? DefaultDeadline;
        var clock = Stopwatch.StartNew();
        using var poll = new PeriodicTimer(PollInterval);
        while (!condition())
        {
            if (clock.Elapsed > limit)
                throw new TimeoutException($"waited {limit.TotalSeconds:0.#} s for: {expected}; seen: {seen()}");
            await poll.WaitForNextTickAsync();
        }
    }

    public static Task WaitUntil(Func<bool> condition, string expected, TimeSpan? deadline = null) =>
        WaitUntil(condition, expected, () => "the condition was still false", deadline);

    /// <summary>Observes until <paramref name="done"/> holds; returns the last observation.</summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T>> observe, Func<T, bool> done, string expected, TimeSpan? deadline = null)
    {
        var limit = deadline ?? DefaultDeadline;
        var clock = Stopwatch.StartNew();
        using var poll = new PeriodicTimer(PollInterval);
        var seen = await observe();
        while (!done(seen))
        {
            if (clock.Elapsed > limit)
                throw new TimeoutException($"waited {limit.TotalSeconds:0.#} s for: {expected}; last saw: {seen}");
            await poll.WaitForNextTickAsync();
            seen = await observe();
        }
        return seen;
    }
}
