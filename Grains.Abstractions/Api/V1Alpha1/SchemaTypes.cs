using MultigresOrleans.Kubernetes.Schema;

namespace MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;

// The named string types of the API (Go's `type CellName string` with kubebuilder markers).
// Each attribute is put on every property of that type; on a list or map it describes the
// items or values. Map keys cannot carry a schema, so PoolName keys are checked by the webhook.

/// <summary>Patterns shared by several named string types.</summary>
public static class SchemaPatterns
{
    /// <summary>An RFC 1123 label: the pattern of every Multigres name type.</summary>
    public const string DnsLabel = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";

    /// <summary>An RFC 1123 subdomain (Secret names).</summary>
    public const string DnsSubdomain = @"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";

    /// <summary>A Secret data key.</summary>
    public const string SecretKey = "^[-._a-zA-Z0-9]+$";

    public const string IPAddress =
        @"^(([0-9]{1,3}\.){3}[0-9]{1,3})$|^(([0-9a-fA-F]{0,4}:){2,7}[0-9a-fA-F]{0,4})$";

    /// <summary>
    /// A Go duration (metav1.Duration). Both micro signs are accepted, as Go's parser does:
    /// U+00B5 MICRO SIGN and U+03BC GREEK SMALL LETTER MU.
    /// </summary>
    public const string Duration = "^([0-9]+(\\.[0-9]+)?(ns|us|\u00B5s|\u03BCs|ms|s|m|h))+$";

    /// <summary>A PVC size such as <c>10Gi</c>.</summary>
    public const string StorageSize = "^([0-9]+)(.+)$";

    /// <summary>A lowercase hex revision (possibly empty).</summary>
    public const string HexRevision = "^[0-9a-f]*$";
}

public sealed class DatabaseNameAttribute() : StringSchemaAttribute(1, 30, SchemaPatterns.DnsLabel);

public sealed class TableGroupNameAttribute() : StringSchemaAttribute(1, 25, SchemaPatterns.DnsLabel);

public sealed class ShardNameAttribute() : StringSchemaAttribute(1, 25, SchemaPatterns.DnsLabel);

/// <summary>Only usable on values; pool names are map keys, which the webhook checks.</summary>
public sealed class PoolNameAttribute() : StringSchemaAttribute(1, 25, SchemaPatterns.DnsLabel);

public sealed class CellNameAttribute() : StringSchemaAttribute(1, 30, SchemaPatterns.DnsLabel);

/// <summary>A cloud zone ID (AWS <c>use1-az1</c>), not a zone name.</summary>
public sealed class ZoneIdAttribute() : StringSchemaAttribute(1, 63);

public sealed class RegionAttribute() : StringSchemaAttribute(1, 63);

public sealed class TemplateRefAttribute() : StringSchemaAttribute(1, 63);

/// <summary>Any image reference, by tag or by <c>@sha256:</c> digest.</summary>
public sealed class ImageRefAttribute() : StringSchemaAttribute(1, 512);

public sealed class EndpointUrlAttribute() : StringSchemaAttribute(1, 2048);

public sealed class IPAddressAttribute() : StringSchemaAttribute(3, 45, SchemaPatterns.IPAddress);

public sealed class InitdbArgsAttribute() : StringSchemaAttribute(0, 512);

/// <summary>A Go duration string (the gateway buffer fields), schema type string.</summary>
public sealed class DurationAttribute() : StringSchemaAttribute(0, 0, SchemaPatterns.Duration);
