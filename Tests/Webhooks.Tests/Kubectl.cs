using System.Diagnostics;
using System.Text.Json.Nodes;
using MultigresOrleans.Kubernetes.Yaml;

namespace MultigresOrleans.Webhooks.Tests;

public sealed record KubectlResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
}

/// <summary>The real /usr/bin/kubectl against KubeSim; a run that outlives its timeout is killed by PID with its children.</summary>
public sealed class Kubectl(string kubeconfig, string cacheDirectory)
{
    public const string Path = "/usr/bin/kubectl";

    public async Task<KubectlResult> RunAsync(string[] args, string? stdin = null)
    {
        var psi = new ProcessStartInfo(Path) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = stdin is not null, UseShellExecute = false };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        psi.ArgumentList.Add("--cache-dir=" + cacheDirectory);
        psi.Environment["KUBECONFIG"] = kubeconfig;
        psi.Environment["KUBECTL_KUBERC"] = "false";
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("kubectl did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            return new KubectlResult(-1, await stdout, await stderr + "\n(killed after 30s)");
        }
        return new KubectlResult(process.ExitCode, await stdout, await stderr);
    }

    public Task<KubectlResult> RunAsync(params string[] args) => RunAsync(args, null);

    /// <summary>The objects that give a component its identity and permissions in an install.</summary>
    public static readonly string[] IdentityKinds = ["ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"];

    /// <summary>deploy/<paramref name="folder"/> rendered by the real <c>kubectl kustomize</c>, offline.</summary>
    public static async Task<IReadOnlyList<JsonObject>> RenderAsync(string folder)
    {
        var scratch = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "kustomize-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            // No API server: a kubeconfig that does not exist proves kustomize needs none.
            var kubectl = new Kubectl(System.IO.Path.Combine(scratch, "no-kubeconfig"), System.IO.Path.Combine(scratch, "cache"));
            var result = await kubectl.RunAsync("kustomize", System.IO.Path.Combine(RepositoryPaths.Root, "deploy", folder));
            Assert.True(result.ExitCode == 0, result.ToString());
            var documents = YamlJson.ParseDocuments(result.Stdout);
            Assert.All(documents, d => Assert.IsType<JsonObject>(d));
            return [.. documents.Cast<JsonObject>()];
        }
        finally
        {
            if (Directory.Exists(scratch))
                Directory.Delete(scratch, recursive: true);
        }
    }

    /// <summary>Applies the <see cref="IdentityKinds"/> objects of deploy/<paramref name="folder"/> exactly as kustomize renders them.</summary>
    public async Task ApplyIdentityAsync(string folder)
    {
        var identity = (await RenderAsync(folder)).Where(o => IdentityKinds.Contains(o["kind"]!.GetValue<string>())).ToList();
        Assert.Equal(IdentityKinds.Length, identity.Count);
        foreach (var manifest in identity)
        {
            var applied = await RunAsync(["apply", "-f", "-"], stdin: manifest.ToJsonString());
            Assert.True(applied.ExitCode == 0, applied.ToString());
        }
    }
}
