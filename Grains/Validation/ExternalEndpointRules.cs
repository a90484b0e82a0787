using System.Net;
using System.Net.Sockets;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;

namespace MultigresOrleans.Grains.Validation;

/// <summary>
/// Spec §3.1 0c/0d: an enabled external gateway or admin web without externalIPs only works when a
/// load-balancer controller provides an address (a warning); an externalIP that is not an IP
/// address would make the Service invalid (an error).
/// </summary>
public static class ExternalEndpointRules
{
    public static AdmissionVerdict Check(MultigresClusterSpec spec)
    {
        var warnings = new List<string>();
        var gateway = Check("externalGateway", "the global multigateway Service", spec.ExternalGateway?.Enabled, spec.ExternalGateway?.ExternalIPs, warnings);
        if (gateway is not null)
            return AdmissionVerdict.Reject(gateway, warnings);
        var adminWeb = Check("externalAdminWeb", "the multiadmin-web Service", spec.ExternalAdminWeb?.Enabled, spec.ExternalAdminWeb?.ExternalIPs, warnings);
        return adminWeb is not null ? AdmissionVerdict.Reject(adminWeb, warnings) : AdmissionVerdict.Warn(warnings);
    }

    private static string? Check(string field, string service, bool? enabled, IReadOnlyList<string>? ips, List<string> warnings)
    {
        if (enabled != true)
            return null;
        if (ips is null || ips.Count == 0)
        {
            warnings.Add($"{field} is enabled but no externalIPs specified; endpoint resolution depends on an external load balancer controller provisioning an ingress address on {service}");
            return null;
        }
        var invalid = ips.FirstOrDefault(ip => !IsIpAddress(ip));
        return invalid is null ? null : $"{field}.externalIPs contains invalid IP address: \"{invalid}\"";
    }

    /// <summary>
    /// An IP address as Go's net.ParseIP accepts it: dotted-quad IPv4 without leading zeros, or
    /// IPv6 without a zone. (.NET's parser is more lenient: it reads "1" as 0.0.0.1.)
    /// </summary>
    public static bool IsIpAddress(string text)
    {
        if (text.Contains(':', StringComparison.Ordinal))
            return !text.Contains('%', StringComparison.Ordinal) && IPAddress.TryParse(text, out var v6) && v6.AddressFamily == AddressFamily.InterNetworkV6;
        var parts = text.Split('.');
        return parts.Length == 4 && parts.All(p =>
            p.Length is >= 1 and <= 3 && p.All(char.IsAsciiDigit) && (p.Length == 1 || p[0] != '0') && int.Parse(p, System.Globalization.CultureInfo.InvariantCulture) <= 255);
    }
}
