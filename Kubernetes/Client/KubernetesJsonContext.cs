using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using MultigresOrleans.Kubernetes.Models;

namespace MultigresOrleans.Kubernetes.Client;

/// <summary>
/// Source-generated serialization for every model this library ships. Nulls are omitted on write
/// because for a server-side apply body an explicit null means "remove this field", which is
/// never what an unset C# property intends. Timestamps use the metav1.Time wire form.
/// </summary>
[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    Converters = [typeof(KubernetesTimeConverter)])]
[JsonSerializable(typeof(JsonObject))]
[JsonSerializable(typeof(JsonNode))]
[JsonSerializable(typeof(Status))]
[JsonSerializable(typeof(ObjectMeta))]
[JsonSerializable(typeof(DeleteOptionsBody))]
[JsonSerializable(typeof(Scale))]
[JsonSerializable(typeof(GenericObject))]
[JsonSerializable(typeof(Pod))]
[JsonSerializable(typeof(PersistentVolumeClaim))]
[JsonSerializable(typeof(Service))]
[JsonSerializable(typeof(ConfigMap))]
[JsonSerializable(typeof(Secret))]
[JsonSerializable(typeof(Namespace))]
[JsonSerializable(typeof(Node))]
[JsonSerializable(typeof(CoreEvent))]
[JsonSerializable(typeof(EventV1))]
[JsonSerializable(typeof(StorageClass))]
[JsonSerializable(typeof(Deployment))]
[JsonSerializable(typeof(StatefulSet))]
[JsonSerializable(typeof(PodDisruptionBudget))]
[JsonSerializable(typeof(Lease))]
[JsonSerializable(typeof(MutatingWebhookConfiguration))]
[JsonSerializable(typeof(ValidatingWebhookConfiguration))]
[JsonSerializable(typeof(CustomResourceDefinition))]
public sealed partial class KubernetesJsonContext : JsonSerializerContext;
