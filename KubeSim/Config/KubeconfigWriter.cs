using System.Text;

namespace MultigresOrleans.KubeSim.Config;

/// <summary>
/// Writes a kubeconfig with one context per listener (`kubesim` over HTTPS when enabled,
/// `kubesim-http` over plain HTTP), both using the admin bearer token; the current context is
/// HTTPS when available, so kubectl verifies the server against the generated CA.
/// </summary>
public static class KubeconfigWriter
{
    public static string Render(string? httpUrl, string? httpsUrl, string? caPem, string token, string ns = "default")
    {
        var sb = new StringBuilder();
        sb.Append("apiVersion: v1\nkind: Config\nclusters:\n");
        if (httpsUrl is not null && caPem is not null)
        {
            sb.Append("- name: kubesim\n  cluster:\n    server: ").Append(httpsUrl).Append('\n');
            sb.Append("    certificate-authority-data: ").Append(Convert.ToBase64String(Encoding.ASCII.GetBytes(caPem))).Append('\n');
        }
        if (httpUrl is not null)
            sb.Append("- name: kubesim-http\n  cluster:\n    server: ").Append(httpUrl).Append('\n');
        sb.Append("users:\n- name: kubesim-admin\n  user:\n    token: ").Append(token).Append('\n');
        sb.Append("contexts:\n");
        if (httpsUrl is not null)
            sb.Append("- name: kubesim\n  context:\n    cluster: kubesim\n    user: kubesim-admin\n    namespace: ").Append(ns).Append('\n');
        if (httpUrl is not null)
            sb.Append("- name: kubesim-http\n  context:\n    cluster: kubesim-http\n    user: kubesim-admin\n    namespace: ").Append(ns).Append('\n');
        sb.Append("current-context: ").Append(httpsUrl is not null ? "kubesim" : "kubesim-http").Append('\n');
        return sb.ToString();
    }
}
