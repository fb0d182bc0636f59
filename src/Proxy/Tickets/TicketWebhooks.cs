using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TicketGate.Integrations.Webhooks;
using TicketGate.Proxy.Api;
using TicketGate.Workflows.Ticketing;

namespace TicketGate.Proxy.Tickets;

/// <summary>
/// POST /webhooks/jira (or /webhooks/jira/{token} where Jira can't sign) and POST /webhooks/servicenow: verify the delivery, drop
/// duplicates, and queue a reconcile; nothing here decides. Genuine deliveries get 200 at once so the sender stops retrying;
/// a wrong signature or token gets 401, an unreadable body 400, both as problem+json.
/// </summary>
public static partial class TicketWebhooks
{
    /// <summary>Jira issue payloads with a long changelog run to a few megabytes; anything bigger is not a ticket update.</summary>
    private const int MaxBodyBytes = 8 * 1024 * 1024;

    public static void MapTicketWebhooks(this IEndpointRouteBuilder app)
    {
        app.MapPost("/webhooks/jira", (Func<HttpContext, Task<IResult>>)(http => JiraAsync(http, null)));
        app.MapPost("/webhooks/jira/{token}", (HttpContext http, string token) => JiraAsync(http, token));
        app.MapPost("/webhooks/servicenow", (Func<HttpContext, Task<IResult>>)ServiceNowAsync);
    }

    private static async Task<IResult> JiraAsync(HttpContext http, string? token)
    {
        var verifier = http.RequestServices.GetService<JiraWebhookVerifier>();
        if (verifier is null) return Problems.NotFound("no Jira webhook is configured in TicketGate (tickets.jira.webhook)");
        var body = await ReadBodyAsync(http.Request, http.RequestAborted).ConfigureAwait(false);
        if (body is null) return Problems.BadRequest($"the body is larger than {MaxBodyBytes} bytes");
        var verdict = verifier.Verify(body, Header(http.Request), token, DateTimeOffset.UtcNow);
        return Answer(http, "Jira", verdict);
    }

    private static async Task<IResult> ServiceNowAsync(HttpContext http)
    {
        var verifier = http.RequestServices.GetService<ServiceNowWebhookVerifier>();
        if (verifier is null) return Problems.NotFound("no ServiceNow webhook is configured in TicketGate (tickets.servicenow.webhook)");
        var body = await ReadBodyAsync(http.Request, http.RequestAborted).ConfigureAwait(false);
        if (body is null) return Problems.BadRequest($"the body is larger than {MaxBodyBytes} bytes");
        var verdict = verifier.Verify(body, Header(http.Request), DateTimeOffset.UtcNow);
        return Answer(http, "ServiceNow", verdict);
    }

    private static IResult Answer(HttpContext http, string system, WebhookVerdict verdict)
    {
        var logger = http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(TicketWebhooks));
        switch (verdict.Outcome)
        {
            case WebhookOutcome.Unauthorized:
                LogRefused(logger, system, verdict.Reason, http.Connection.RemoteIpAddress?.ToString() ?? "?");
                return Problems.Unauthorized($"{system} webhook refused: {verdict.Reason}");
            case WebhookOutcome.Malformed:
                return Problems.BadRequest($"{system} webhook unreadable: {verdict.Reason}");
            case WebhookOutcome.Accepted when verdict.Request is { } request:
                if (!http.RequestServices.GetRequiredService<TicketReconcileQueue>().TryEnqueue(request))
                {
                    http.Response.Headers.RetryAfter = "30";
                    return Results.Problem(detail: "too many ticket updates are waiting; deliver again later", statusCode: 503, title: "Service unavailable");
                }
                break;
        }
        return Results.Json(new WebhookAnswer(verdict.Outcome.ToString().ToLowerInvariant(), verdict.Reason), TicketGateApi.Json);
    }

    private static Func<string, string?> Header(HttpRequest request) =>
        name => request.Headers.TryGetValue(name, out var values) && values.Count > 0 ? values[0] : null;

    /// <summary>The raw bytes (signatures cover them exactly), or null when over the limit.</summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBodyBytes) return null;
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes) return null;
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    private sealed record WebhookAnswer(string Outcome, string Reason);

    [LoggerMessage(4050, LogLevel.Warning, "{System} webhook from {Remote} refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string system, string reason, string remote);
}
