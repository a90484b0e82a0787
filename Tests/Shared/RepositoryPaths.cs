namespace MultigresOrleans.Tests.Shared;

/// <summary>
/// Where the repository and the project's shared folder are, found from the test binary's location
/// so tests work from any clone (CI clones main with shared/ beside it).
/// </summary>
internal static class RepositoryPaths
{
    private static readonly Lazy<string> RootPath = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MultigresOrleans.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"MultigresOrleans.sln not found above {AppContext.BaseDirectory}");
    });

    public static string Root => RootPath.Value;

    public static string Crds => Path.Combine(Root, "deploy", "crds");

    public static string Samples => Path.Combine(Root, "deploy", "samples");

    /// <summary>The reference samples as shipped in ../shared/samples (read-only input to this project).</summary>
    public static string SharedSamples
    {
        get
        {
            var path = Path.GetFullPath(Path.Combine(Root, "..", "shared", "samples"));
            return Directory.Exists(path)
                ? path
                : throw new DirectoryNotFoundException($"expected the shared reference samples at {path} (the shared/ folder beside the clone)");
        }
    }

    /// <summary>Every *.yaml below a folder, as paths relative to it, sorted.</summary>
    public static IReadOnlyList<string> YamlFiles(string folder) =>
        Directory.GetFiles(folder, "*.yaml", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(folder, p))
            .OrderBy(p => p, StringComparer.Ordinal)
            .ToList();
}
