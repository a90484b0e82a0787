using System.Globalization;

namespace MultigresOrleans.Runtime.Tests;

/// <summary>
/// What test grains report to the test: an ordered event log the test waits on by condition (woken
/// on every new event, no polling), and named gates the test opens to let grain code proceed.
/// </summary>
public sealed class Probe
{
    private static readonly TimeSpan DefaultDeadline = TimeSpan.FromSeconds(20);
    private readonly Lock gate = new();
    private readonly List<string> events = [];
    private readonly List<(Func<IReadOnlyList<string>, bool> Condition, TaskCompletionSource Done)> waiters = [];
    private readonly Dictionary<string, TaskCompletionSource> gates = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> active = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> inside = new(StringComparer.Ordinal);
    private int overlaps;
    private int doubleActivations;

    /// <summary>Times a grain was activated while another activation of it had not finished deactivating.</summary>
    public int DoubleActivations => Volatile.Read(ref doubleActivations);

    /// <summary>Called at the start of OnActivateAsync.</summary>
    public void Activated(string key)
    {
        lock (gate)
        {
            var count = active.GetValueOrDefault(key) + 1;
            active[key] = count;
            if (count > 1)
                doubleActivations++;
        }
    }

    /// <summary>Called at the end of OnDeactivateAsync.</summary>
    public void Deactivated(string key)
    {
        lock (gate)
        {
            active[key] = active.GetValueOrDefault(key) - 1;
        }
    }

    /// <summary>Times a turn of a grain started while another turn of the same grain was inside (see <see cref="Enter"/>).</summary>
    public int Overlaps
    {
        get
        {
            lock (gate)
            {
                return overlaps;
            }
        }
    }

    public void Record(string text)
    {
        List<TaskCompletionSource> ready = [];
        lock (gate)
        {
            events.Add(text);
            for (var i = waiters.Count - 1; i >= 0; i--)
            {
                if (waiters[i].Condition(events))
                {
                    ready.Add(waiters[i].Done);
                    waiters.RemoveAt(i);
                }
            }
        }

        foreach (var done in ready)
            done.TrySetResult();
    }

    public IReadOnlyList<string> Events
    {
        get
        {
            lock (gate)
            {
                return [.. events];
            }
        }
    }

    public int Count(string text) => Events.Count(e => e == text);

    public int CountPrefix(string prefix) => Events.Count(e => e.StartsWith(prefix, StringComparison.Ordinal));

    /// <summary>Waits until <paramref name="condition"/> holds over the event log, failing with what was expected and seen.</summary>
    public async Task WaitFor(Func<IReadOnlyList<string>, bool> condition, string expected, TimeSpan? deadline = null)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (gate)
        {
            if (condition(events))
                return;
            waiters.Add((condition, done));
        }

        try
        {
            await done.Task.WaitAsync(deadline ?? DefaultDeadline);
        }
        catch (TimeoutException)
        {
            Assert.Fail(string.Create(CultureInfo.InvariantCulture, $"expected {expected} within {(deadline ?? DefaultDeadline).TotalSeconds} s; saw events [{string.Join(", ", Events)}]"));
        }
    }

    public Task WaitForCount(string text, int count, TimeSpan? deadline = null) =>
        WaitFor(e => e.Count(x => x == text) >= count, $"{count} × '{text}'", deadline);

    /// <summary>A gate grain code awaits; the test opens it with <see cref="Open"/>.</summary>
    public Task Gate(string name)
    {
        lock (gate)
        {
            if (!gates.TryGetValue(name, out var g))
                gates[name] = g = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return g.Task;
        }
    }

    public void Open(string name)
    {
        Gate(name);
        lock (gate)
        {
            gates[name].TrySetResult();
        }
    }

    /// <summary>Marks entry into a grain's critical region; records an overlap if another turn of the same grain is inside.</summary>
    public void Enter(string key)
    {
        lock (gate)
        {
            var count = inside.GetValueOrDefault(key) + 1;
            inside[key] = count;
            if (count > 1)
                overlaps++;
        }
    }

    public void Exit(string key)
    {
        lock (gate)
        {
            inside[key] = inside.GetValueOrDefault(key) - 1;
        }
    }
}
