using System.Net;
using MultigresOrleans.Kubernetes.Client;
using MultigresOrleans.Kubernetes.Models;
using MultigresOrleans.Kubernetes.Tests.Support;

namespace MultigresOrleans.Kubernetes.Tests.Client;

/// <summary>metav1.Status bodies (as real API servers send them) become typed exceptions.</summary>
public sealed class ErrorMappingTests
{
    private static async Task<KubernetesApiException> Fail(int code, string body, KubernetesClientOptions? options = null)
    {
        var handler = new ScriptedHandler { Fallback = _ => ScriptedHandler.Json((HttpStatusCode)code, body) };
        using var client = TestClients.Scripted(handler, options: options ?? new KubernetesClientOptions { Qps = 0, MaxRetries = 0 });
        var pods = client.Resource(KnownResources.Pods, KubernetesJsonContext.Default.Pod);
        return await Assert.ThrowsAnyAsync<KubernetesApiException>(() => pods.CreateAsync(new Pod { Metadata = new ObjectMeta { Name = "p", Namespace = "n" } }));
    }

    [Theory]
    [InlineData(404, "NotFound", typeof(NotFoundException))]
    [InlineData(409, "AlreadyExists", typeof(AlreadyExistsException))]
    [InlineData(409, "Conflict", typeof(ConflictException))]
    [InlineData(403, "Forbidden", typeof(ForbiddenException))]
    [InlineData(401, "Unauthorized", typeof(UnauthorizedException))]
    [InlineData(400, "BadRequest", typeof(BadRequestException))]
    [InlineData(410, "Expired", typeof(ResourceExpiredException))]
    [InlineData(415, "UnsupportedMediaType", typeof(UnsupportedMediaTypeException))]
    [InlineData(429, "TooManyRequests", typeof(TooManyRequestsException))]
    [InlineData(504, "Timeout", typeof(ServerTimeoutException))]
    [InlineData(500, "ServerTimeout", typeof(ServerTimeoutException))]
    [InlineData(500, "InternalError", typeof(InternalErrorException))]
    [InlineData(503, "ServiceUnavailable", typeof(ServiceUnavailableException))]
    public async Task Status_maps_to_typed_exception_with_server_message(int code, string reason, Type expected)
    {
        var e = await Fail(code, ScriptedHandler.StatusJson(code, reason, $"the server says {reason}"));
        Assert.IsType(expected, e);
        Assert.Equal((HttpStatusCode)code, e.StatusCode);
        Assert.Equal(reason, e.Reason);
        Assert.Equal($"the server says {reason}", e.ServerMessage);
        Assert.Contains($"the server says {reason}", e.Message, StringComparison.Ordinal);
        Assert.Equal("create", e.Verb);
    }

    [Fact]
    public async Task Invalid_carries_field_causes()
    {
        var e = await Fail(422, ScriptedHandler.StatusJson(422, "Invalid", "Pod \\\"p\\\" is invalid: spec.containers: Required value",
            """{"name":"p","kind":"Pod","causes":[{"reason":"FieldValueRequired","message":"Required value","field":"spec.containers"},{"reason":"FieldValueInvalid","message":"bad","field":"metadata.name"}]}"""));
        var invalid = Assert.IsType<InvalidException>(e);
        Assert.Equal(["spec.containers", "metadata.name"], invalid.Causes.Select(c => c.Field));
        Assert.Equal("FieldValueRequired", invalid.Causes[0].Reason);
        Assert.Equal("Pod \"p\" is invalid: spec.containers: Required value", invalid.ServerMessage);
    }

    [Fact]
    public async Task Non_status_body_is_kept_as_the_message()
    {
        var e = await Fail(502, "<html>bad gateway</html>");
        Assert.Equal(HttpStatusCode.BadGateway, e.StatusCode);
        Assert.Equal("<html>bad gateway</html>", e.ServerMessage);
    }

    [Fact]
    public async Task Too_many_requests_exposes_retry_after_when_retries_run_out()
    {
        var handler = new ScriptedHandler
        {
            Fallback = _ =>
            {
                var r = ScriptedHandler.Json((HttpStatusCode)429, ScriptedHandler.StatusJson(429, "TooManyRequests", "slow down"));
                r.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(3));
                return r;
            },
        };
        using var client = TestClients.Scripted(handler, options: new KubernetesClientOptions { Qps = 0, MaxRetries = 0 });
        var e = await Assert.ThrowsAsync<TooManyRequestsException>(() => client.Resource(KnownResources.Pods, KubernetesJsonContext.Default.Pod).GetAsync("p", "n"));
        Assert.Equal(TimeSpan.FromSeconds(3), e.RetryAfter);
    }
}
