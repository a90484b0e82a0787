using System.Text;

namespace MultigresOrleans.Runtime.Placement;

/// <summary>
/// Stable hashing for placement. Every silo, every version and every restart must map a key to the
/// same partition, so this never uses string.GetHashCode (randomised per process): it is FNV-1a 64
/// over the key's UTF-8 bytes followed by the SplitMix64 finaliser, whose avalanche fixes FNV's weak
/// low bits before the value is reduced to a partition.
/// </summary>
public static class PartitionHash
{
    public const int DefaultPartitionCount = 64;

    private const ulong FnvOffset = 14695981039346656037UL;
    private const ulong FnvPrime = 1099511628211UL;

    /// <summary>FNV-1a 64 of the UTF-8 encoding of <paramref name="text"/>, finalised with SplitMix64.</summary>
    public static ulong Hash64(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var max = Encoding.UTF8.GetMaxByteCount(text.Length);
        var buffer = max <= 512 ? stackalloc byte[max] : new byte[max];
        var length = Encoding.UTF8.GetBytes(text, buffer);
        var hash = FnvOffset;
        foreach (var b in buffer[..length])
        {
            hash ^= b;
            hash *= FnvPrime;
        }

        return Mix(hash);
    }

    /// <summary>The partition of a key, in [0, <paramref name="partitionCount"/>).</summary>
    public static int PartitionOf(string key, int partitionCount = DefaultPartitionCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partitionCount, 1);
        // Multiply-shift (Lemire) reduction: unbiased enough and uses the high, best-mixed bits.
        return (int)Math.BigMul(Hash64(key), (ulong)partitionCount, out _);
    }

    /// <summary>The partition of a grain: its canonical text <c>type/key</c> is what is hashed.</summary>
    public static int PartitionOf(GrainId grainId, int partitionCount = DefaultPartitionCount) =>
        PartitionOf(grainId.ToString(), partitionCount);

    /// <summary>SplitMix64 finaliser: a bijection with full avalanche.</summary>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
