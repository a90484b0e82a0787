using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using MultigresOrleans.Grains.Abstractions.Api.V1Alpha1;

namespace MultigresOrleans.Webhooks;

/// <summary>
/// Maps the nine admission paths (spec §2.1, §3). Each request is read with a hard size limit,
/// parsed defensively, decided under a timeout below the webhook's timeoutSeconds, and answered
/// with an AdmissionReview; malformed input is a 400 with a message, never a 500.
/// </summary>
public sealed class WebhookEndpoints(AdmissionHandler handler, WebhookOptions options, WebhookMetrics metrics, ILogger<WebhookEndpoints> logger)
{
    public const string MutatePath = "/mutate-multigres-com-v1alpha1-multigrescluster";
    public const string ValidatePrefix = "/validate-multigres-com-v1alpha1-";

    public void Map(IEndpointRouteBuilder routes)
    {
        routes.MapPost(MutatePath, context => Serve(context, "DEFAULT", ApiConstants.MultigresClusterKind, handler.MutateAsync));
        foreach (var (suffix, kind) in AdmissionHandler.ValidatedKinds)
        {
            Func<AdmissionRequest, CancellationToken, Task<AdmissionOutcome>> decide = (r, ct) => handler.ValidateAsync(kind, r, ct);
            routes.MapPost(ValidatePrefix + suffix, context => Serve(context, "VALIDATE", kind, decide));
        }
        routes.MapGet("/healthz", () => "ok");
        routes.MapGet("/readyz", () => "ok");
    }

    private async Task Serve(HttpContext context, string operation, string kind, Func<AdmissionRequest, CancellationToken, Task<AdmissionOutcome>> decide)
    {
        var started = Stopwatch.GetTimestamp();
        var success = false;
        try
        {
            var body = await ReadBodyAsync(context);
            if (body is null)
                return;
            AdmissionRequest request;
            AdmissionOutcome outcome;
            try
            {
                request = AdmissionReviewCodec.Parse(body);
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
                timeout.CancelAfter(options.RequestTimeout);
                try
                {
                    outcome = await decide(request, timeout.Token);
                }
                catch (OperationCanceledException) when (timeout.IsCancellationRequested && !context.RequestAborted.IsCancellationRequested)
                {
                    Log.TimedOut(logger, kind, request.Uid, options.RequestTimeout);
                    outcome = AdmissionOutcome.Errored(504, $"admission of {kind} timed out after {options.RequestTimeout.TotalSeconds:0.#}s");
                }
            }
            catch (BadAdmissionReviewException e)
            {
                await BadRequest(context, e.Message);
                return;
            }

            success = outcome.Allowed;
            Log.Decided(logger, request.Operation, kind, request.Namespace, request.Name, request.Uid, outcome.Allowed, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = "application/json";
            await context.Response.Body.WriteAsync(AdmissionReviewCodec.Serialize(request.Uid, outcome), context.RequestAborted);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The caller went away; there is nobody to answer.
        }
        catch (Exception e) when (!context.Response.HasStarted)
        {
            // A bug, not bad input: the API server gets an AdmissionReview it can show, and the
            // process keeps serving. The exception is logged; the object is not.
            Log.Failed(logger, e, kind, "unknown");
            await BadRequest(context, $"the webhook could not process this request: {e.GetType().Name}");
        }
        finally
        {
            metrics.Record(operation, kind, success, Stopwatch.GetElapsedTime(started));
        }
    }

    /// <summary>The whole body, or null after a 400 when it is absent, too large or cut short.</summary>
    private async Task<byte[]?> ReadBodyAsync(HttpContext context)
    {
        var limit = options.MaxRequestBytes;
        if (context.Request.ContentLength is { } declared && declared > limit)
        {
            await BadRequest(context, $"the request body ({declared} bytes) exceeds the limit of {limit} bytes");
            return null;
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    await BadRequest(context, $"the request body exceeds the limit of {limit} bytes");
                    return null;
                }
                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException e)
        {
            await BadRequest(context, $"the request body could not be read: {e.Message}");
            return null;
        }
        if (buffer.Length == 0)
        {
            await BadRequest(context, "the request body is empty; expected an AdmissionReview");
            return null;
        }
        return buffer.ToArray();
    }

    private async Task BadRequest(HttpContext context, string message)
    {
        Log.BadRequest(logger, context.Request.Path, message);
        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(AdmissionReviewCodec.SerializeError(message));
    }
}
