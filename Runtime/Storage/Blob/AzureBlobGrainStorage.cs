using System.Text;

namespace MultigresOrleans.Runtime.Storage.Blob;

/// <summary>Options of the Azure Blob grain storage provider.</summary>
public sealed class AzureBlobStorageOptions
{
    /// <summary>An Azure Storage connection string (see <see cref="BlobConnectionString"/>).</summary>
    public string ConnectionString { get; set; } = "UseDevelopmentStorage=true";

    /// <summary>The container holding grain state; created on first write. 3–63 characters of a–z, 0–9 and '-'.</summary>
    public string ContainerName { get; set; } = "grainstate";

    /// <summary>Serialiser for state; insert a JsonSerializerContext into its options for source-generated serialisation.</summary>
    public GrainStateSerializer Serializer { get; set; } = GrainStateSerializer.Default;

    /// <summary>Clock for the x-ms-date header (wall clock, not the grain clock).</summary>
    public TimeProvider WallClock { get; set; } = TimeProvider.System;

    /// <summary>Per-request timeout of the provider's own HttpClient.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// Grain state as one JSON block blob per (state name, grain): <c>{container}/{state}/{type}/{key}.json</c>.
/// The blob's ETag is the state's ETag, so the service itself enforces the contract of
/// <see cref="IGrainStorage"/>: writes carry If-Match (or If-None-Match: * to create), clears are
/// conditional deletes, and a failed condition becomes <see cref="InconsistentStateException"/>.
/// </summary>
public sealed class AzureBlobGrainStorage : IGrainStorage, IStateSerializerSource, IDisposable
{
    private readonly BlobRestClient client;
    private readonly HttpClient? ownedHttp;
    private readonly string container;
    private readonly GrainStateSerializer serializer;

    GrainStateSerializer IStateSerializerSource.Serializer => serializer;

    public AzureBlobGrainStorage(AzureBlobStorageOptions options, HttpClient? http = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ValidateContainerName(options.ContainerName);
        if (http is null)
        {
            ownedHttp = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { Timeout = options.RequestTimeout };
            http = ownedHttp;
        }

        client = new BlobRestClient(http, BlobConnectionString.Parse(options.ConnectionString), options.WallClock);
        container = options.ContainerName;
        serializer = options.Serializer;
    }

    public BlobRestClient Client => client;

    public string ContainerName => container;

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var blob = await client.GetAsync(container, BlobName(stateName, grainId), CancellationToken.None).ConfigureAwait(false);
        if (blob is null)
        {
            grainState.State = PersistentState<T>.NewState();
            grainState.ETag = null;
            grainState.RecordExists = false;
            return;
        }

        grainState.State = serializer.Deserialize<T>(blob.Content);
        grainState.ETag = blob.ETag;
        grainState.RecordExists = true;
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var name = BlobName(stateName, grainId);
        try
        {
            grainState.ETag = await client.PutAsync(container, name, serializer.Serialize(grainState.State), grainState.ETag, CancellationToken.None).ConfigureAwait(false);
            grainState.RecordExists = true;
        }
        catch (BlobConditionFailedException exception)
        {
            throw new InconsistentStateException($"write of {container}/{name} expected ETag {grainState.ETag ?? "<none>"} but the stored blob differs ({exception.ErrorCode})", null, grainState.ETag, exception);
        }
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var name = BlobName(stateName, grainId);
        if (grainState.ETag is null)
        {
            // The caller believes there is no record; deleting unconditionally could destroy a record
            // someone else created, so an existing blob is a conflict, as for a write.
            var stored = await client.GetETagAsync(container, name, CancellationToken.None).ConfigureAwait(false);
            if (stored is not null)
                throw new InconsistentStateException($"clear of {container}/{name} expected no record but one exists", stored, null);
        }
        else
        {
            try
            {
                if (!await client.DeleteAsync(container, name, grainState.ETag, CancellationToken.None).ConfigureAwait(false))
                    throw new InconsistentStateException($"clear of {container}/{name} expected ETag {grainState.ETag} but the record no longer exists", null, grainState.ETag);
            }
            catch (BlobConditionFailedException exception)
            {
                throw new InconsistentStateException($"clear of {container}/{name} expected ETag {grainState.ETag} but the stored blob differs", null, grainState.ETag, exception);
            }
        }

        grainState.ETag = null;
        grainState.RecordExists = false;
    }

    public void Dispose() => ownedHttp?.Dispose();

    /// <summary>
    /// The blob name of a state record. Each part is escaped to [A-Za-z0-9._-] plus '~XX' for every
    /// other UTF-8 byte, so names are injective, need no URL encoding (which would otherwise have to
    /// match the SharedKey canonical resource exactly) and a '/' in a key cannot create directories.
    /// </summary>
    public static string BlobName(string stateName, GrainId grainId) =>
        $"{Escape(stateName)}/{Escape(grainId.Type)}/{Escape(grainId.Key)}.json";

    internal static string Escape(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')
                builder.Append(c);
            else
                builder.Append('~').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
        }

        return builder.ToString();
    }

    internal static void ValidateContainerName(string name)
    {
        if (name.Length is < 3 or > 63 || !name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-') || name.StartsWith('-') || name.EndsWith('-') || name.Contains("--", StringComparison.Ordinal))
            throw new ArgumentException($"'{name}' is not a valid blob container name (3-63 of a-z, 0-9, single '-' inside)", nameof(name));
    }
}
