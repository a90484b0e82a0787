using MultigresOrleans.CrdGen;

// Usage: CrdGen <output-directory>   (make crds)
// Writes every CRD and the kustomization, and removes stale generated files so a renamed kind
// does not leave an old CRD behind.
if (args.Length != 1)
{
    Console.Error.WriteLine("usage: CrdGen <output-directory>");
    return 2;
}

var directory = Path.GetFullPath(args[0]);
Directory.CreateDirectory(directory);
var files = CrdRenderer.RenderAll();
var written = files.Select(f => f.FileName).ToHashSet(StringComparer.Ordinal);

foreach (var stale in Directory.GetFiles(directory, "*.yaml").Where(p => !written.Contains(Path.GetFileName(p))))
{
    File.Delete(stale);
    Console.WriteLine($"removed {Path.GetFileName(stale)}");
}

foreach (var (fileName, content) in files)
{
    var path = Path.Combine(directory, fileName);
    var changed = !File.Exists(path) || await File.ReadAllTextAsync(path) != content;
    if (changed)
        await File.WriteAllTextAsync(path, content);
    Console.WriteLine($"{(changed ? "wrote" : "unchanged")} {fileName}");
}
return 0;
