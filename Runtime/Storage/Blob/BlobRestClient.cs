using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace MultigresOrleans.Runtime.Storage.Blob;

/// <summary>A downloaded blob: its bytes and the ETag (quoted, exactly as the service sent it).</summary>
public sealed record BlobDownload(byte[] Content, string ETag);

/// <summary>A non-success answer from the blob service, with its HTTP status and x-ms-error-code.</summary>
public class BlobRequestFailedException : Exception
{
    public BlobRequestFailedException()
    {
    }

    public BlobRequestFailedException(string message)
        : base(message)
    {
    }

    public BlobRequestFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public BlobRequestFailedException(string message, HttpStatusCode status, string? errorCode)
        : base(message)
    {
        Status = status;
        ErrorCode = errorCode;
    }

    public HttpStatusCode Status { get; }

    public string? ErrorCode { get; }
}

/// <summary>A conditional request failed: 412 ConditionNotMet (If-Match) or 409 BlobAlreadyExists (If-None-Match: *).</summary>
public sealed class BlobConditionFailedException : BlobRequestFailedException
{
    public BlobConditionFailedException()
    {
    }

    public BlobConditionFailedException(string message)
        : base(message)
    {
    }

    public BlobConditionFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public BlobConditionFailedException(string message, HttpStatusCode status, string? errorCode)
        : base(message, status, errorCode)
    {
    }
}

/// <summary>
/// The handful of Azure Blob Storage REST operations grain state needs (put/get/head/delete block
/// blobs with conditions, create container), authenticated with SharedKey. Written by hand because
/// the Azure SDK cannot be restored here; it speaks the documented protocol, so the same code works
/// against Azurite and a real storage account.
/// <para>
/// Optimistic concurrency is the service's: a write carries <c>If-Match: &lt;etag&gt;</c> to replace
/// exactly the version read, or <c>If-None-Match: *</c> to create only if absent; the service answers
/// 412 or 409 when the condition fails, which this client raises as <see cref="BlobConditionFailedException"/>.
/// </para>
/// </summary>
public sealed class BlobRestClient
{
    /// <summary>The REST API version sent in x-ms-version (supported by Azure and by Azurite 3.35).</summary>
    public const string ApiVersion = "2021-08-06";

    private readonly HttpClient http;
    private readonly BlobConnectionString account;
    private readonly TimeProvider clock;

    /// <param name="http">Shared HttpClient; its lifetime is the caller's.</param>
    /// <param name="account">Account, key and endpoint.</param>
    /// <param name="clock">Wall clock for x-ms-date; the service rejects requests more than 15 minutes off, so this is not the grain clock.</param>
    public BlobRestClient(HttpClient http, BlobConnectionString account, TimeProvider? clock = null)
    {
        this.http = http;
        this.account = account;
        this.clock = clock ?? TimeProvider.System;
    }

    public BlobConnectionString Account => account;

    /// <summary>Creates the container; an existing container is fine.</summary>
    public async Task CreateContainerIfNotExistsAsync(string container, CancellationToken cancellationToken)
    {
        using var request = NewRequest(HttpMethod.Put, container, null, "restype=container");
        using var response = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode is HttpStatusCode.Created)
            return;
        if (response.StatusCode is HttpStatusCode.Conflict && ErrorCode(response) == "ContainerAlreadyExists")
            return;
        throw await FailureAsync(response, $"create container {container}").ConfigureAwait(false);
    }

    /// <summary>Gets a blob; null when the blob (or its container) does not exist.</summary>
    public async Task<BlobDownload?> GetAsync(string container, string blob, CancellationToken cancellationToken)
    {
        using var request = NewRequest(HttpMethod.Get, container, blob, null);
        using var response = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
            return null;
        if (response.StatusCode != HttpStatusCode.OK)
            throw await FailureAsync(response, $"get {container}/{blob}").ConfigureAwait(false);
        var content = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        return new BlobDownload(content, ETagOf(response));
    }

    /// <summary>The blob's current ETag, or null when it does not exist.</summary>
    public async Task<string?> GetETagAsync(string container, string blob, CancellationToken cancellationToken)
    {
        using var request = NewRequest(HttpMethod.Head, container, blob, null);
        using var response = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
            return null;
        if (response.StatusCode != HttpStatusCode.OK)
            throw await FailureAsync(response, $"head {container}/{blob}").ConfigureAwait(false);
        return ETagOf(response);
    }

    /// <summary>
    /// Uploads a block blob. <paramref name="ifMatch"/> non-null: replace only that version; null:
    /// create only if absent. The container is created on first use. Returns the new ETag.
    /// </summary>
    public async Task<string> PutAsync(string container, string blob, ReadOnlyMemory<byte> content, string? ifMatch, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            using var request = NewRequest(HttpMethod.Put, container, blob, null);
            request.Headers.TryAddWithoutValidation("x-ms-blob-type", "BlockBlob");
            if (ifMatch is null)
                request.Headers.TryAddWithoutValidation("If-None-Match", "*");
            else
                request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
            request.Content = new ReadOnlyMemoryContent(content);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var response = await SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.Created)
                return ETagOf(response);
            if (response.StatusCode == HttpStatusCode.NotFound && ErrorCode(response) == "ContainerNotFound" && attempt == 0)
            {
                await CreateContainerIfNotExistsAsync(container, cancellationToken).ConfigureAwait(false);
                continue;
            }

            throw await FailureAsync(response, $"put {container}/{blob}").ConfigureAwait(false);
        }
    }

    /// <summary>Deletes a blob, only if it still has <paramref name="ifMatch"/> when given. False when it did not exist.</summary>
    public async Task<bool> DeleteAsync(string container, string blob, string? ifMatch, CancellationToken cancellationToken)
    {
        using var request = NewRequest(HttpMethod.Delete, container, blob, null);
        if (ifMatch is not null)
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        using var response = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Accepted)
            return true;
        if (response.StatusCode == HttpStatusCode.NotFound)
            return false;
        throw await FailureAsync(response, $"delete {container}/{blob}").ConfigureAwait(false);
    }

    private HttpRequestMessage NewRequest(HttpMethod method, string container, string? blob, string? query)
    {
        var path = blob is null ? container : $"{container}/{blob}";
        var uri = new Uri(account.BlobEndpoint, query is null ? path : $"{path}?{query}");
        var request = new HttpRequestMessage(method, uri);
        request.Headers.TryAddWithoutValidation("x-ms-date", clock.GetUtcNow().ToString("R", CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation("x-ms-version", ApiVersion);
        return request;
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.TryAddWithoutValidation("Authorization", $"SharedKey {account.AccountName}:{Sign(request)}");
        return await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The SharedKey signature of a request (Blob service, API version 2015-02-21 and later).</summary>
    internal string Sign(HttpRequestMessage request)
    {
        string Header(string name) =>
            request.Headers.TryGetValues(name, out var values) ? string.Join(",", values)
            : request.Content?.Headers.TryGetValues(name, out var contentValues) == true ? string.Join(",", contentValues!)
            : string.Empty;

        var length = request.Content?.Headers.ContentLength;
        var builder = new StringBuilder()
            .Append(request.Method.Method).Append('\n')
            .Append(Header("Content-Encoding")).Append('\n')
            .Append(Header("Content-Language")).Append('\n')
            .Append(length is null or 0 ? string.Empty : length.Value.ToString(CultureInfo.InvariantCulture)).Append('\n')
            .Append(Header("Content-MD5")).Append('\n')
            .Append(Header("Content-Type")).Append('\n')
            .Append('\n') // Date: empty because x-ms-date is sent
            .Append(Header("If-Modified-Since")).Append('\n')
            .Append(Header("If-Match")).Append('\n')
            .Append(Header("If-None-Match")).Append('\n')
            .Append(Header("If-Unmodified-Since")).Append('\n')
            .Append(Header("Range")).Append('\n');

        foreach (var header in request.Headers
            .Where(h => h.Key.StartsWith("x-ms-", StringComparison.OrdinalIgnoreCase))
#pragma warning disable CA1308 // The protocol canonicalises header names to lower case.
            .Select(h => (Name: h.Key.ToLowerInvariant(), Value: string.Join(",", h.Value).Trim()))
#pragma warning restore CA1308
            .OrderBy(h => h.Name, StringComparer.Ordinal))
        {
            builder.Append(header.Name).Append(':').Append(header.Value).Append('\n');
        }

        var uri = request.RequestUri!;
        builder.Append('/').Append(account.AccountName).Append(uri.AbsolutePath);
        if (uri.Query.Length > 1)
        {
            foreach (var parameter in uri.Query[1..].Split('&', StringSplitOptions.RemoveEmptyEntries)
                .Select(p => p.Split('=', 2))
#pragma warning disable CA1308 // The protocol canonicalises query parameter names to lower case.
                .GroupBy(p => Uri.UnescapeDataString(p[0]).ToLowerInvariant(), p => p.Length > 1 ? Uri.UnescapeDataString(p[1]) : string.Empty)
#pragma warning restore CA1308
                .OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                builder.Append('\n').Append(parameter.Key).Append(':').Append(string.Join(",", parameter.Order(StringComparer.Ordinal)));
            }
        }

        var signature = HMACSHA256.HashData(account.AccountKey, Encoding.UTF8.GetBytes(builder.ToString()));
        return Convert.ToBase64String(signature);
    }

    private static string? ErrorCode(HttpResponseMessage response) =>
        response.Headers.TryGetValues("x-ms-error-code", out var values) ? values.FirstOrDefault() : null;

    private static string ETagOf(HttpResponseMessage response) =>
        response.Headers.ETag?.Tag ?? throw new BlobRequestFailedException("the blob service answered without an ETag", response.StatusCode, null);

    private static async Task<BlobRequestFailedException> FailureAsync(HttpResponseMessage response, string operation)
    {
        var code = ErrorCode(response);
        var body = response.Content is null ? string.Empty : await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        var message = $"{operation}: {(int)response.StatusCode} {code} {body}".Trim();
        return response.StatusCode == HttpStatusCode.PreconditionFailed || (response.StatusCode == HttpStatusCode.Conflict && code == "BlobAlreadyExists")
            ? new BlobConditionFailedException(message, response.StatusCode, code)
            : new BlobRequestFailedException(message, response.StatusCode, code);
    }
}
