using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MultigresOrleans.Webhooks;

/// <summary>
/// Composes the admission server: Kestrel on HTTPS with HTTP/2 and HTTP/1.1 (the API server speaks
/// HTTP/2 when it can), the serving certificate from <see cref="ReloadingCertificate"/>, and the
/// endpoints. Used by Program and, unchanged, by the tests (with port 0 and in-memory data).
/// </summary>
public static class WebhookServer
{
    public static WebApplication Build(WebhookOptions options, IAdmissionDataSource data, ReloadingCertificate certificate,
        IPAddress? address = null, Action<ILoggingBuilder>? logging = null, string[]? args = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = WebApplication.CreateSlimBuilder(args ?? []);
        if (logging is not null)
            logging(builder.Logging);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // The endpoints enforce the exact limit with a clear 400; Kestrel's own limit is only a
            // backstop (a 413 from Kestrel would come before our message could be written).
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBytes + 1;
            kestrel.Limits.MaxRequestHeadersTotalSize = 64 * 1024;
            kestrel.AddServerHeader = false;
            kestrel.Listen(address ?? IPAddress.Any, options.Port, listen =>
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                listen.UseHttps(https => https.ServerCertificateSelector = (_, _) => certificate.Current);
            });
        });
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(time ?? TimeProvider.System);
        if (options.TracingEnabled)
            builder.Services.AddSingleton(_ => WebhookTracing.Listen());
        builder.Services.AddSingleton(data);
        builder.Services.AddSingleton<AdmissionHandler>();
        builder.Services.AddSingleton<WebhookMetrics>();
        builder.Services.AddSingleton<WebhookEndpoints>();
        var app = builder.Build();
        if (options.TracingEnabled)
            _ = app.Services.GetRequiredService<System.Diagnostics.ActivityListener>();
        app.Services.GetRequiredService<WebhookEndpoints>().Map(app);
        return app;
    }
}
