using System.Text.Json;
using System.Text.Json.Serialization;

namespace MultigresOrleans.Runtime.Introspection;

/// <summary>
/// Source-generated JSON for the introspection snapshots (web defaults: camelCase), so a dashboard
/// can serve them without reflection: <c>JsonSerializer.Serialize(snapshot, IntrospectionJsonContext.Default.SiloSnapshot)</c>.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(SiloSnapshot))]
[JsonSerializable(typeof(GrainSnapshot))]
public sealed partial class IntrospectionJsonContext : JsonSerializerContext;
