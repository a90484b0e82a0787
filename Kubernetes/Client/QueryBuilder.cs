using System.Globalization;
using System.Text;

namespace MultigresOrleans.Kubernetes.Client;

/// <summary>Builds a URL query string, escaping every value.</summary>
internal sealed class QueryBuilder
{
    private readonly StringBuilder _sb = new();

    public QueryBuilder Add(string name, string? value)
    {
        if (value is null) return this;
        _sb.Append(_sb.Length == 0 ? '?' : '&').Append(name).Append('=').Append(Uri.EscapeDataString(value));
        return this;
    }

    public QueryBuilder Add(string name, long? value) => value is null ? this : Add(name, value.Value.ToString(CultureInfo.InvariantCulture));

    public QueryBuilder Add(string name, bool value) => value ? Add(name, "true") : this;

    public QueryBuilder DryRun(bool dryRun) => dryRun ? Add("dryRun", "All") : this;

    public override string ToString() => _sb.ToString();
}
