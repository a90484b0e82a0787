namespace MultigresOrleans.Grains.Builders.Shards;

using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;
using MultigresOrleans.Grains.Validation;
using MultigresOrleans.Kubernetes.Models;

/// <summary>
/// The check of the user's postgres password Secret (spec §6.5 step 6). The operator never creates or owns that Secret,
/// but a pool pod started without a usable password would initdb a superuser nobody can log in as, so a missing,
/// key-less or empty Secret stops the reconcile before any pod is created. The caller reads the Secret through the
/// uncached API reader (the Secret is not watched) and passes the result here.
/// </summary>
public static class PostgresPasswordSecretCheck
{
    /// <summary>
    /// Null when <paramref name="secret"/> holds a non-empty value under the referenced key; otherwise the reference's
    /// inner error text. <paramref name="getError"/> is the API error of a failed read; when the read simply found
    /// nothing it defaults to the API server's NotFound text.
    /// </summary>
    public static string? Validate(Secret? secret, PostgresPasswordSecretRef reference, string? getError = null)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var name = GoQuote.Quote(reference.Name);
        var key = GoQuote.Quote(reference.Key);
        if (secret is null)
            return $"failed to get postgres password Secret {name}: {getError ?? NotFound(reference.Name)}";

        // A Secret read from the API server carries data; stringData is accepted too so an object built in memory
        // (tests, the simulator) is judged the same way.
        if (secret.Data is { } data && data.TryGetValue(reference.Key, out var bytes))
            return bytes is { Length: > 0 } ? null : Empty(key, name);
        if (secret.StringData is { } stringData && stringData.TryGetValue(reference.Key, out var text))
            return text.Length > 0 ? null : Empty(key, name);
        return $"key {key} not found in postgres password Secret {name}";
    }

    /// <summary>Warning <c>ConfigError</c> event text wrapping a <see cref="Validate"/> error.</summary>
    public static string EventMessage(string error) => $"Failed to reconcile postgres password Secret: {error}";

    /// <summary>The API server's NotFound message for a Secret.</summary>
    public static string NotFound(string secretName) => $"secrets {GoQuote.Quote(secretName)} not found";

    private static string Empty(string key, string name) => $"key {key} in postgres password Secret {name} is empty";
}
