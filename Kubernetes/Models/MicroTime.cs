namespace MultigresOrleans.Kubernetes.Models;

/// <summary>
/// metav1.MicroTime on the wire: RFC 3339 with exactly six fractional digits. The API server
/// parses Lease and events.k8s.io timestamps with this layout, so the second-precision form of
/// <see cref="KubernetesTimeConverter"/> would be rejected there.
/// </summary>
public sealed class KubernetesMicroTimeConverter() : Rfc3339TimeConverter("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'");
