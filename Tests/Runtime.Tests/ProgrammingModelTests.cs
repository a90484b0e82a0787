using System.Text.Json;
using System.Text.Json.Serialization;

namespace MultigresOrleans.Runtime.Tests;

[JsonSerializable(typeof(CartState))]
internal sealed partial class TestJsonContext : JsonSerializerContext;

public sealed class ProgrammingModelTests
{
    private sealed class Orphan : Grain;

    [Fact]
    public void Grains_cannot_be_constructed_outside_the_runtime()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new Orphan());
        Assert.Contains("GetGrain", error.Message, StringComparison.Ordinal);
    }

    public interface INotAsync : IGrainWithStringKey
    {
        int Sync();
    }

    public sealed class NotAsyncGrain : Grain, INotAsync
    {
        public int Sync() => 1;
    }

    [Fact]
    public void Grain_interfaces_with_synchronous_methods_are_refused_at_registration()
    {
        var error = Assert.Throws<NotSupportedException>(() => new SiloHostBuilder().AddGrain<INotAsync, NotAsyncGrain>());
        Assert.Contains("Sync", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unregistered_grain_interfaces_fail_with_a_clear_message()
    {
        var (silo, _, _) = await TestSilo.StartAsync();
        await using var _silo = silo;
        var error = Assert.Throws<InvalidOperationException>(() => silo.GrainFactory.GetGrain<INotAsync>("x"));
        Assert.Contains("AddGrain", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void State_serialisation_can_use_a_source_generated_context_only()
    {
        // No reflection resolver at all: only the generated metadata is available.
        var serializer = new GrainStateSerializer(new JsonSerializerOptions { TypeInfoResolver = TestJsonContext.Default });
        var bytes = serializer.Serialize(new CartState { Items = ["a"], Version = 3 });
        var back = serializer.Deserialize<CartState>(bytes);
        Assert.Equal(["a"], back.Items);
        Assert.Equal(3, back.Version);
        Assert.ThrowsAny<NotSupportedException>(() => serializer.Serialize(new Uri("http://x")));
    }
}
