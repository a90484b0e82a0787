using System.Text;
using System.Text.Json.Nodes;

namespace MultigresOrleans.KubeSim.Http;

/// <summary>
/// Decodes the Kubernetes protobuf envelope (`k8s\0` + runtime.Unknown) for the few built-in
/// types kubectl sends as protobuf: what its imperative `create` commands send (namespaces,
/// configmaps, secrets, serviceaccounts) and `kubectl auth can-i`'s SelfSubjectAccessReview. Field numbers follow the types' generated.proto; fields not listed
/// are skipped. Anything else answers 415, so clients know to send JSON.
/// </summary>
internal static class ProtobufDecoder
{
    public const string ContentType = "application/vnd.kubernetes.protobuf";

    private enum Kind { String, Bytes, Bool, Int, Message, MapString, MapBytes, RepeatedString, RepeatedMessage }

    private sealed record Field(string Name, Kind Kind, Dictionary<int, Field>? Schema = null);

    private static readonly Dictionary<int, Field> LocalObjectReference = new() { [1] = new("name", Kind.String) };

    private static readonly Dictionary<int, Field> ObjectReference = new()
    {
        [1] = new("kind", Kind.String), [2] = new("namespace", Kind.String), [3] = new("name", Kind.String),
        [4] = new("uid", Kind.String), [5] = new("apiVersion", Kind.String), [6] = new("resourceVersion", Kind.String),
        [7] = new("fieldPath", Kind.String),
    };

    private static readonly Dictionary<int, Field> OwnerReference = new()
    {
        [1] = new("kind", Kind.String), [3] = new("name", Kind.String), [4] = new("uid", Kind.String),
        [5] = new("apiVersion", Kind.String), [6] = new("controller", Kind.Bool), [7] = new("blockOwnerDeletion", Kind.Bool),
    };

    private static readonly Dictionary<int, Field> ObjectMeta = new()
    {
        [1] = new("name", Kind.String), [2] = new("generateName", Kind.String), [3] = new("namespace", Kind.String),
        [5] = new("uid", Kind.String), [6] = new("resourceVersion", Kind.String), [7] = new("generation", Kind.Int),
        [11] = new("labels", Kind.MapString), [12] = new("annotations", Kind.MapString),
        [13] = new("ownerReferences", Kind.RepeatedMessage, OwnerReference), [14] = new("finalizers", Kind.RepeatedString),
    };

    private static readonly Dictionary<string, Dictionary<int, Field>> Types = new(StringComparer.Ordinal)
    {
        ["v1/ConfigMap"] = new()
        {
            [1] = new("metadata", Kind.Message, ObjectMeta), [2] = new("data", Kind.MapString),
            [3] = new("binaryData", Kind.MapBytes), [4] = new("immutable", Kind.Bool),
        },
        ["v1/Secret"] = new()
        {
            [1] = new("metadata", Kind.Message, ObjectMeta), [2] = new("data", Kind.MapBytes), [3] = new("type", Kind.String),
            [4] = new("stringData", Kind.MapString), [5] = new("immutable", Kind.Bool),
        },
        ["v1/Namespace"] = new()
        {
            [1] = new("metadata", Kind.Message, ObjectMeta),
            [2] = new("spec", Kind.Message, new() { [1] = new("finalizers", Kind.RepeatedString) }),
        },
        ["authorization.k8s.io/v1/SelfSubjectAccessReview"] = new()
        {
            [1] = new("metadata", Kind.Message, ObjectMeta),
            [2] = new("spec", Kind.Message, new()
            {
                [1] = new("resourceAttributes", Kind.Message, new()
                {
                    [1] = new("namespace", Kind.String), [2] = new("verb", Kind.String), [3] = new("group", Kind.String),
                    [4] = new("version", Kind.String), [5] = new("resource", Kind.String), [6] = new("subresource", Kind.String),
                    [7] = new("name", Kind.String),
                }),
                [2] = new("nonResourceAttributes", Kind.Message, new() { [1] = new("path", Kind.String), [2] = new("verb", Kind.String) }),
            }),
        },
        ["v1/ServiceAccount"] = new()
        {
            [1] = new("metadata", Kind.Message, ObjectMeta), [2] = new("secrets", Kind.RepeatedMessage, ObjectReference),
            [3] = new("imagePullSecrets", Kind.RepeatedMessage, LocalObjectReference), [4] = new("automountServiceAccountToken", Kind.Bool),
        },
    };

    private static readonly Dictionary<int, Field> TypeMeta = new() { [1] = new("apiVersion", Kind.String), [2] = new("kind", Kind.String) };

    public static JsonObject Decode(byte[] body)
    {
        if (body.Length < 4 || body[0] != (byte)'k' || body[1] != (byte)'8' || body[2] != (byte)'s' || body[3] != 0)
            throw ApiException.BadRequest("protobuf body is missing the k8s envelope");
        var envelope = new Reader(body, 4, body.Length).ReadEnvelope();
        var apiVersion = envelope.TypeMeta?["apiVersion"] ?? "";
        var kind = envelope.TypeMeta?["kind"] ?? "";
        if (!Types.TryGetValue($"{apiVersion}/{kind}", out var schema) || envelope.Raw is null)
            throw new ApiException(415, "UnsupportedMediaType",
                $"KubeSim cannot decode protobuf for {apiVersion}/{kind}; send application/json (e.g. kubectl apply -f)");
        var obj = new Reader(envelope.Raw, 0, envelope.Raw.Length).ReadMessage(schema);
        obj["apiVersion"] = apiVersion;
        obj["kind"] = kind;
        return obj;
    }

    private sealed record Envelope(Dictionary<string, string>? TypeMeta, byte[]? Raw);

    private sealed class Reader(byte[] buffer, int position, int limit)
    {
        private int pos = position;
        private readonly int end = limit;

        public Envelope ReadEnvelope()
        {
            Dictionary<string, string>? typeMeta = null;
            byte[]? raw = null;
            while (pos < end)
            {
                var (number, wire) = Tag();
                if (number == 1 && wire == 2)
                {
                    var sub = Sub();
                    typeMeta = [];
                    while (sub.pos < sub.end)
                    {
                        var (n, w) = sub.Tag();
                        if (w == 2 && TypeMeta.TryGetValue(n, out var f))
                            typeMeta[f.Name] = Encoding.UTF8.GetString(sub.Bytes());
                        else
                            sub.Skip(w);
                    }
                }
                else if (number == 2 && wire == 2)
                    raw = Bytes();
                else
                    Skip(wire);
            }
            return new Envelope(typeMeta, raw);
        }

        public JsonObject ReadMessage(Dictionary<int, Field> schema)
        {
            var result = new JsonObject();
            while (pos < end)
            {
                var (number, wire) = Tag();
                if (!schema.TryGetValue(number, out var field))
                {
                    Skip(wire);
                    continue;
                }
                switch (field.Kind)
                {
                    case Kind.String:
                        result[field.Name] = Encoding.UTF8.GetString(Bytes());
                        break;
                    case Kind.Bytes:
                        result[field.Name] = Convert.ToBase64String(Bytes());
                        break;
                    case Kind.Bool:
                        result[field.Name] = Varint() != 0;
                        break;
                    case Kind.Int:
                        result[field.Name] = (long)Varint();
                        break;
                    case Kind.Message:
                        result[field.Name] = Sub().ReadMessage(field.Schema!);
                        break;
                    case Kind.RepeatedMessage:
                        Array(result, field.Name).Add(Sub().ReadMessage(field.Schema!));
                        break;
                    case Kind.RepeatedString:
                        Array(result, field.Name).Add(Encoding.UTF8.GetString(Bytes()));
                        break;
                    case Kind.MapString or Kind.MapBytes:
                        var entry = Sub();
                        string key = "";
                        JsonNode? value = "";
                        while (entry.pos < entry.end)
                        {
                            var (n, w) = entry.Tag();
                            if (n == 1 && w == 2)
                                key = Encoding.UTF8.GetString(entry.Bytes());
                            else if (n == 2 && w == 2)
                                value = field.Kind == Kind.MapString ? Encoding.UTF8.GetString(entry.Bytes()) : Convert.ToBase64String(entry.Bytes());
                            else
                                entry.Skip(w);
                        }
                        if (result[field.Name] is not JsonObject map)
                            result[field.Name] = map = [];
                        map[key] = value;
                        break;
                }
            }
            return result;
        }

        private static JsonArray Array(JsonObject obj, string name)
        {
            if (obj[name] is not JsonArray array)
                obj[name] = array = [];
            return array;
        }

        private (int Number, int Wire) Tag()
        {
            var tag = Varint();
            return ((int)(tag >> 3), (int)(tag & 7));
        }

        private ulong Varint()
        {
            ulong result = 0;
            for (var shift = 0; shift < 64; shift += 7)
            {
                if (pos >= end)
                    throw ApiException.BadRequest("truncated protobuf varint");
                var b = buffer[pos++];
                result |= (ulong)(b & 0x7F) << shift;
                if ((b & 0x80) == 0)
                    return result;
            }
            throw ApiException.BadRequest("malformed protobuf varint");
        }

        private byte[] Bytes()
        {
            var length = (int)Varint();
            if (length < 0 || pos + length > end)
                throw ApiException.BadRequest("truncated protobuf field");
            var bytes = buffer[pos..(pos + length)];
            pos += length;
            return bytes;
        }

        private Reader Sub()
        {
            var length = (int)Varint();
            if (length < 0 || pos + length > end)
                throw ApiException.BadRequest("truncated protobuf message");
            var sub = new Reader(buffer, pos, pos + length);
            pos += length;
            return sub;
        }

        private void Skip(int wire)
        {
            switch (wire)
            {
                case 0:
                    Varint();
                    break;
                case 1:
                    pos += 8;
                    break;
                case 2:
                    // Read the length first: `pos += Varint()` would add to the value of pos before the read.
                    var length = (int)Varint();
                    pos += length;
                    break;
                case 5:
                    pos += 4;
                    break;
                default:
                    throw ApiException.BadRequest($"unsupported protobuf wire type {wire}");
            }
        }
    }
}
