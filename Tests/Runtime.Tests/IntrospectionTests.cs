using System.Diagnostics.Metrics;

namespace MultigresOrleans.Runtime.Tests;

public sealed class IntrospectionTests
{
    [Fact]
    public async Task Calls_failures_and_activations_are_measured_per_silo_and_grain_type()
    {
        var silo = $"metrics-{Guid.NewGuid():N}";
        var totals = new Dictionary<string, double>(StringComparer.Ordinal);
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == RuntimeMetrics.MeterName)
                l.EnableMeasurementEvents(instrument);
        };

        void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var mine = false;
            var type = "";
            foreach (var tag in tags)
            {
                mine |= tag.Key == "silo" && (string?)tag.Value == silo;
                if (tag.Key == "grain.type")
                    type = (string)tag.Value!;
            }

            if (!mine)
                return;
            lock (totals)
            {
                var key = $"{instrument.Name}/{type}";
                totals[key] = totals.GetValueOrDefault(key) + (instrument is Histogram<double> ? 1 : value);
            }
        }

        listener.SetMeasurementEventCallback<long>((i, v, t, _) => Record(i, v, t));
        listener.SetMeasurementEventCallback<double>((i, v, t, _) => Record(i, v, t));
        listener.Start();

        var (host, probe, _) = await TestSilo.StartAsync(b => b.Configure(o => o.SiloName = silo));
        await using (host)
        {
            var grain = host.GrainFactory.GetGrain<ICounterGrain>("m");
            await grain.Increment();
            await grain.Increment();
            await Assert.ThrowsAsync<InvalidOperationException>(() => grain.Fail("x"));
            await host.GrainFactory.GetGrain<ICartGrain>("m").Items();
            Assert.Equal(new Dictionary<string, int> { ["counter"] = 1, ["cart"] = 1 }, host.ActivationCountsByType());
        }

        lock (totals)
        {
            Assert.Equal(3, totals["grain.calls/counter"]);
            Assert.Equal(1, totals["grain.call.failures/counter"]);
            Assert.Equal(3, totals["grain.call.duration/counter"]);
            Assert.Equal(1, totals["grain.calls/cart"]);
            Assert.Equal(0, totals["grain.activations/counter"]); // +1 on activation, −1 when the silo stopped
        }

        Assert.Equal(1, probe.Count("deactivated:m"));
    }

    [Fact]
    public async Task Storage_can_be_chosen_per_grain_type_by_configuration()
    {
        var carts = new MemoryGrainStorage();
        var (silo, _, _) = await TestSilo.StartAsync(b => b
            .AddGrainStorage("carts", carts)
            .Configure(o => o.StorageByGrainType["cart"] = "carts"));
        await using var _silo = silo;
        await silo.GrainFactory.GetGrain<ICartGrain>("k").Add("x");
        Assert.Equal(1, carts.Count);
    }
}
