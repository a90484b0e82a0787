using System.Globalization;
using MultigresOrleans.Bench;

// `make bench`: latencies that matter to users, each measured side by side with its baseline in one
// run on this machine and printed as percentiles and ratios. Nothing is asserted: these machines are
// shared and noisy, so numbers are read, not gated.
//   admission: a MultigresCluster CREATE directly against the webhooks and through KubeSim;
//   grains:    a grain call on the silo that hosts it and from another silo over HTTP/2, and the time
//              a graceful leave takes to hand partitions over on Kubernetes Leases.
// Usage: Bench [repository root] [iterations] [admission|grains|all].
var root = args.Length > 0 ? args[0] : Directory.GetCurrentDirectory();
var iterations = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 500;
var which = args.Length > 2 ? args[2] : "all";
if (which is not ("all" or "admission" or "grains"))
{
    Console.Error.WriteLine($"unknown benchmark '{which}': expected admission, grains or all");
    return 2;
}

var warmup = Math.Max(20, iterations / 10);
if (which is "all" or "admission")
{
    var code = await AdmissionBench.RunAsync(root, iterations, warmup);
    if (code != 0)
        return code;
}

if (which is "all" or "grains")
    await GrainCallBench.RunAsync(iterations * 10, Math.Max(2_000, warmup * 10));
return 0;
