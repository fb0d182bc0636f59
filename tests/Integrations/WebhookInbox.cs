using System.Net;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using TicketGate.Integrations.Webhooks;

namespace TicketGate.Tests.Integrations;

/// <summary>
/// A real HTTP receiver for the fakes' webhooks, doing what the proxy's endpoint will do: read the raw body, let the verifier
/// judge it, answer with its status code, and queue the verdict.
/// </summary>
public sealed class WebhookInbox : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Channel<WebhookVerdict> _verdicts = Channel.CreateUnbounded<WebhookVerdict>();

    private WebhookInbox(WebApplication app, Uri baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    public Uri BaseUrl { get; }

    public static async Task<WebhookInbox> StartAsync(JiraWebhookVerifier? jira = null, ServiceNowWebhookVerifier? serviceNow = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        WebhookInbox? inbox = null;
        app.MapPost("/webhooks/jira/{token?}", async (HttpContext ctx, string? token) =>
        {
            var body = await Read(ctx);
            var verdict = jira!.Verify(body, name => Header(ctx, name), token, DateTimeOffset.UtcNow);
            await inbox!.Answer(ctx, verdict);
        });
        app.MapPost("/webhooks/servicenow", async ctx =>
        {
            var body = await Read(ctx);
            var verdict = serviceNow!.Verify(body, name => Header(ctx, name), DateTimeOffset.UtcNow);
            await inbox!.Answer(ctx, verdict);
        });
        await app.StartAsync(TestContext.Current.CancellationToken);
        var address = ((IServer)app.Services.GetService(typeof(IServer))!).Features.Get<IServerAddressesFeature>()!.Addresses.First();
        inbox = new WebhookInbox(app, new Uri(address + "/"));
        return inbox;
    }

    public async Task<WebhookVerdict> NextAsync()
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        return await _verdicts.Reader.ReadAsync(timeout.Token);
    }

    private async Task Answer(HttpContext ctx, WebhookVerdict verdict)
    {
        await _verdicts.Writer.WriteAsync(verdict);
        ctx.Response.StatusCode = verdict.StatusCode;
    }

    private static async Task<byte[]> Read(HttpContext ctx)
    {
        using var buffer = new MemoryStream();
        await ctx.Request.Body.CopyToAsync(buffer, ctx.RequestAborted);
        return buffer.ToArray();
    }

    private static string? Header(HttpContext ctx, string name) =>
        ctx.Request.Headers.TryGetValue(name, out var value) ? value.ToString() : null;

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
