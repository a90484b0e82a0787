using System.Text.Json.Nodes;

namespace MultigresOrleans.KubeSim;

/// <summary>
/// The version KubeSim reports. The machine's kubectl is a dispatcher that picks the bundled
/// kubectl closest to the server's gitVersion, so this must read as a 1.32 server.
/// </summary>
public static class KubeSimVersion
{
    public const string GitVersion = "v1.32.0";

    public static JsonObject Document() => new()
    {
        ["major"] = "1",
        ["minor"] = "32",
        ["gitVersion"] = GitVersion,
        ["gitCommit"] = "kubesim",
        ["gitTreeState"] = "clean",
        ["buildDate"] = "2024-12-11T00:00:00Z",
        ["goVersion"] = "go1.23.3",
        ["compiler"] = "gc",
        ["platform"] = "linux/amd64",
    };
}
