namespace MultigresOrleans.Runtime.Storage.Blob;

/// <summary>
/// The parts of an Azure Storage connection string that the Blob REST client needs. Accepts the
/// two forms in use: <c>UseDevelopmentStorage=true</c> (Azurite/emulator defaults, optionally with
/// <c>DevelopmentStorageProxyUri</c>) and the explicit
/// <c>DefaultEndpointsProtocol=…;AccountName=…;AccountKey=…[;BlobEndpoint=…][;EndpointSuffix=…]</c>.
/// The key is never printed.
/// </summary>
public sealed class BlobConnectionString
{
    /// <summary>The emulator's well-known account (public, documented by Microsoft; not a secret).</summary>
    public const string DevelopmentAccountName = "devstoreaccount1";

    /// <summary>The emulator's well-known account key (public, documented by Microsoft; not a secret).</summary>
    public const string DevelopmentAccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    public BlobConnectionString(string accountName, byte[] accountKey, Uri blobEndpoint)
    {
        ArgumentException.ThrowIfNullOrEmpty(accountName);
        ArgumentNullException.ThrowIfNull(accountKey);
        ArgumentNullException.ThrowIfNull(blobEndpoint);
        AccountName = accountName;
        AccountKey = accountKey;
        // A trailing slash lets relative container/blob paths append to an endpoint with a path (the emulator's /devstoreaccount1).
        BlobEndpoint = blobEndpoint.AbsoluteUri.EndsWith('/') ? blobEndpoint : new Uri(blobEndpoint.AbsoluteUri + "/");
    }

    public string AccountName { get; }

    public byte[] AccountKey { get; }

    /// <summary>The blob service endpoint, ending in '/'.</summary>
    public Uri BlobEndpoint { get; }

    public static BlobConnectionString Parse(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var parts = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var segment in connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // Split on the first '=' only: base64 keys end in '='.
            var eq = segment.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
                throw new FormatException($"connection string segment '{Redact(segment)}' is not key=value");
            parts[segment[..eq].Trim()] = segment[(eq + 1)..].Trim();
        }

        if (parts.TryGetValue("UseDevelopmentStorage", out var dev) && bool.TryParse(dev, out var useDev) && useDev)
        {
            var proxy = parts.TryGetValue("DevelopmentStorageProxyUri", out var p) ? new Uri(p) : new Uri("http://127.0.0.1");
            var endpoint = parts.TryGetValue("BlobEndpoint", out var explicitEndpoint)
                ? new Uri(explicitEndpoint)
                : new UriBuilder(proxy) { Port = 10000, Path = DevelopmentAccountName }.Uri;
            return new BlobConnectionString(DevelopmentAccountName, Convert.FromBase64String(DevelopmentAccountKey), endpoint);
        }

        if (!parts.TryGetValue("AccountName", out var account) || account.Length == 0)
            throw new FormatException("connection string has no AccountName (and is not UseDevelopmentStorage=true)");
        if (!parts.TryGetValue("AccountKey", out var key) || key.Length == 0)
            throw new FormatException("connection string has no AccountKey; SAS and AAD authentication are not supported");
        byte[] keyBytes;
        try
        {
            keyBytes = Convert.FromBase64String(key);
        }
        catch (FormatException exception)
        {
            throw new FormatException("AccountKey is not base64", exception);
        }

        Uri blobEndpoint;
        if (parts.TryGetValue("BlobEndpoint", out var blob))
        {
            blobEndpoint = new Uri(blob);
        }
        else
        {
            var protocol = parts.TryGetValue("DefaultEndpointsProtocol", out var proto) ? proto : "https";
            var suffix = parts.TryGetValue("EndpointSuffix", out var s) ? s : "core.windows.net";
            blobEndpoint = new Uri($"{protocol}://{account}.blob.{suffix}");
        }

        return new BlobConnectionString(account, keyBytes, blobEndpoint);
    }

    public override string ToString() => $"AccountName={AccountName};BlobEndpoint={BlobEndpoint}";

    private static string Redact(string segment) =>
        segment.StartsWith("AccountKey", StringComparison.OrdinalIgnoreCase) ? "AccountKey=…" : segment;
}
