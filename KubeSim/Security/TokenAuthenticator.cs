using System.Collections.Concurrent;
using System.Security.Cryptography;
using MultigresOrleans.KubeSim.Api;

namespace MultigresOrleans.KubeSim.Security;

/// <summary>
/// Bearer tokens: one admin token written to the kubeconfig, plus tokens issued on demand for
/// distinct users and service accounts, so admission webhooks see a real `userInfo` and rules such
/// as "only the operator may edit children" are testable. Authorization is off unless
/// <see cref="KubeSimOptions.EnforceRbac"/> is set (<see cref="RbacAuthorizer"/>); off, every
/// authenticated user may do everything.
/// </summary>
public sealed class TokenAuthenticator
{
    private readonly ConcurrentDictionary<string, UserInfo> tokens = new(StringComparer.Ordinal);

    public TokenAuthenticator()
    {
        AdminToken = NewToken();
        tokens[AdminToken] = UserInfo.Admin;
    }

    public string AdminToken { get; }

    /// <summary>Issues a token for a user; `system:authenticated` is added as the real server does.</summary>
    public string IssueToken(string username, IEnumerable<string>? groups = null)
    {
        var token = NewToken();
        var allGroups = (groups ?? []).Append("system:authenticated").Distinct().ToList();
        tokens[token] = new UserInfo(username, allGroups, Guid.NewGuid().ToString());
        return token;
    }

    /// <summary>A token for a service account, named and grouped like the real ones.</summary>
    public string IssueServiceAccountToken(string ns, string name) =>
        IssueToken($"system:serviceaccount:{ns}:{name}", ["system:serviceaccounts", $"system:serviceaccounts:{ns}"]);

    /// <summary>The caller, anonymous without a token, or null for an unknown token (401).</summary>
    public UserInfo? Authenticate(string? authorization)
    {
        if (string.IsNullOrEmpty(authorization))
            return UserInfo.Anonymous;
        if (!authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return null;
        return tokens.TryGetValue(authorization[7..].Trim(), out var user) ? user : null;
    }

    private static string NewToken() => Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
}
