using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace MultigresOrleans.KubeSim.Tests.Infrastructure;

/// <summary>An open watch: reads line-delimited events with a deadline per event.</summary>
public sealed class WatchStream : IAsyncDisposable
{
    private readonly HttpResponseMessage response;
    private readonly StreamReader reader;
    private Task<string?>? pending;

    private WatchStream(HttpResponseMessage response, StreamReader reader)
    {
        this.response = response;
        this.reader = reader;
    }

    public static async Task<WatchStream> OpenAsync(HttpClient http, string path, string? accept = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (accept is not null)
            request.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse(accept));
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        return new WatchStream(response, reader);
    }

    /// <summary>The next event; fails with what was expected if none arrives before the deadline.</summary>
    public async Task<JsonObject> NextAsync(string expected, TimeSpan? timeout = null)
    {
        var line = await TryNextAsync(timeout ?? TimeSpan.FromSeconds(10))
                   ?? throw new TimeoutException($"expected {expected}, but no watch event arrived");
        return (JsonObject)JsonNode.Parse(line)!;
    }

    /// <summary>The next line, or null if none arrived within <paramref name="wait"/> (the read stays pending).</summary>
    public async Task<string?> TryNextAsync(TimeSpan wait)
    {
        pending ??= reader.ReadLineAsync();
        try
        {
            var line = await pending.WaitAsync(wait);
            pending = null;
            return line;
        }
        catch (TimeoutException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        response.Dispose();
        reader.Dispose();
        if (pending is not null)
        {
            try
            {
                await pending;
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or HttpRequestException)
            {
            }
        }
    }
}
