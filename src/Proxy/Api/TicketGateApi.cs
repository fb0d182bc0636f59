using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using TicketGate.Proxy.Audit;
using TicketGate.Proxy.Configuration;
using TicketGate.Proxy.Hosting;
using TicketGate.Proxy.Identity;
using TicketGate.Workflows.Approvals;

namespace TicketGate.Proxy.Api;

/// <summary>
/// TicketGate's HTTP API: approval requests and the audit log, for the CLI and for people. Every call carries a bearer token from
/// the configured issuer; errors are problem+json.
/// </summary>
public static class TicketGateApi
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = false };

    public static IEndpointRouteBuilder MapTicketGateApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", (AuditLog audit) => Results.Json(new { status = "ok", audit_healthy = audit.IsHealthy }, Json));

        var api = app.MapGroup("/api");
        api.MapGet("/requests", ListRequestsAsync);
        api.MapGet("/requests/{id}", GetRequestAsync);
        api.MapPost("/requests/{id}/approve", (HttpContext http, string id, ApprovalDesk desk, TicketGateOptions options, ITokenValidator tokens, CancellationToken ct) =>
            DecideAsync(http, id, approve: true, desk, options, tokens, ct));
        api.MapPost("/requests/{id}/reject", (HttpContext http, string id, ApprovalDesk desk, TicketGateOptions options, ITokenValidator tokens, CancellationToken ct) =>
            DecideAsync(http, id, approve: false, desk, options, tokens, ct));
        api.MapGet("/audit", TailAuditAsync);
        app.MapSessionsApi();
        app.MapGet("/requests/{id}", RequestPageAsync);
        return app;
    }

    private static async Task<IResult> ListRequestsAsync(HttpContext http, ApprovalRequestStore store, TicketGateOptions options, ITokenValidator tokens,
        string? status, int? limit, CancellationToken ct)
    {
        var (identity, problem) = await Caller.AuthenticateAsync(http, tokens, ct);
        if (identity is null) return problem!;
        ApprovalStatus? wanted = null;
        if (status is not null)
        {
            if (!ApprovalStatusNames.TryParse(status, out var s))
            {
                return Problems.BadRequest($"status \"{status}\" is not one of pending, approved, rejected, withdrawn, expired");
            }
            wanted = s;
        }
        var rows = await store.ListAsync(wanted, Math.Clamp(limit ?? 100, 1, 1000), ct);
        var visible = new List<RequestView>(rows.Count);
        foreach (var row in rows)
        {
            if (Caller.MaySee(identity, row.Request)) visible.Add(RequestView.From(row, RequestLinks.Page(options, row.Request.Id)));
        }
        return Results.Json(visible, Json);
    }

    private static async Task<IResult> GetRequestAsync(HttpContext http, string id, ApprovalRequestStore store, TicketGateOptions options,
        ITokenValidator tokens, CancellationToken ct)
    {
        var (identity, problem) = await Caller.AuthenticateAsync(http, tokens, ct);
        if (identity is null) return problem!;
        if (!Guid.TryParse(id, out var requestId)) return Problems.BadRequest($"\"{id}\" is not a request id");
        var row = await store.GetAsync(requestId, ct);
        if (row is null || !Caller.MaySee(identity, row.Request)) return Problems.NotFound($"there is no request {requestId} you may see");
        return Results.Json(RequestView.From(row, RequestLinks.Page(options, requestId)), Json);
    }

    private static async Task<IResult> DecideAsync(HttpContext http, string id, bool approve, ApprovalDesk desk, TicketGateOptions options,
        ITokenValidator tokens, CancellationToken ct)
    {
        var (identity, problem) = await Caller.AuthenticateAsync(http, tokens, ct);
        if (identity is null) return problem!;
        if (!Guid.TryParse(id, out var requestId)) return Problems.BadRequest($"\"{id}\" is not a request id");
        DecisionBody? body = null;
        if (http.Request.ContentLength is > 0 || http.Request.Headers.TransferEncoding.Count > 0)
        {
            try
            {
                body = await JsonSerializer.DeserializeAsync<DecisionBody>(http.Request.Body, Json, ct);
            }
            catch (JsonException e)
            {
                return Problems.BadRequest("the body is not valid JSON: " + e.Message);
            }
        }
        var approver = new Approver(identity.Subject, identity.Groups);
        var result = approve
            ? await desk.ApproveAsync(requestId, approver, body?.Reason, ct)
            : await desk.RejectAsync(requestId, approver, body?.Reason, ct);
        return result.Outcome switch
        {
            DeskOutcome.Decided => Results.Json(RequestView.From(result.Request!, RequestLinks.Page(options, requestId)), Json),
            // The vote counts; the request's workflow waits for more approvers.
            DeskOutcome.VoteRecorded => Results.Json(RequestView.From(result.Request!, RequestLinks.Page(options, requestId)), Json,
                statusCode: StatusCodes.Status202Accepted),
            DeskOutcome.NotFound => Problems.NotFound(result.Message),
            DeskOutcome.Forbidden => Problems.Forbidden(result.Message),
            DeskOutcome.AlreadyDecided or DeskOutcome.AlreadyVoted => Problems.Conflict(result.Message),
            _ => Problems.BadRequest(result.Message),
        };
    }

    private static async Task<IResult> TailAuditAsync(HttpContext http, AuditReader reader, TicketGateOptions options, ITokenValidator tokens,
        int? limit, long? after, CancellationToken ct)
    {
        var (identity, problem) = await Caller.AuthenticateAsync(http, tokens, ct);
        if (identity is null) return problem!;
        if (!Caller.IsApprover(identity, options)) return Problems.Forbidden($"{identity.Subject} is in no approver group, and only approvers read the audit log");
        var records = await reader.TailAsync(Math.Clamp(limit ?? 50, 1, 1000), ct);
        var views = new List<AuditView>(records.Count);
        foreach (var record in records)
        {
            if (after is null || record.Id > after) views.Add(AuditView.From(record));
        }
        return Results.Json(views, Json);
    }

    /// <summary>A page for people following the link in the agent's notice: where the request stands and how to decide it.</summary>
    private static async Task<IResult> RequestPageAsync(string id, ApprovalRequestStore store, CancellationToken ct)
    {
        if (!Guid.TryParse(id, out var requestId)) return Problems.BadRequest($"\"{id}\" is not a request id");
        var row = await store.GetAsync(requestId, ct);
        if (row is null) return Problems.NotFound($"there is no request {requestId}");
        var r = row.Request;
        var html = new StringBuilder();
        html.Append("<!doctype html><html><head><meta charset=\"utf-8\"><title>TicketGate request ").Append(r.Id).Append("</title>")
            .Append("<style>body{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto}dt{font-weight:600}code{background:#f3f3f3;padding:.1rem .3rem}</style></head><body>")
            .Append("<h1>Request ").Append(r.Id).Append("</h1><dl>")
            .Append("<dt>Status</dt><dd>").Append(Encode(row.Status.ToName())).Append("</dd>")
            .Append("<dt>Requested by</dt><dd>").Append(Encode(r.Requester)).Append("</dd>")
            .Append("<dt>Connection</dt><dd>").Append(Encode(r.Connection)).Append("</dd>")
            .Append("<dt>Tier</dt><dd>").Append(Encode(r.Tier.ToName())).Append(" (rule ").Append(Encode(r.Rule)).Append(")</dd>")
            .Append("<dt>Approvers</dt><dd>members of ").Append(Encode(string.Join(", ", r.ApproverGroups))).Append("</dd></dl>")
            .Append("<p>The statement itself is shown to approvers through the API and CLI, which need their token:</p>")
            .Append("<pre>ticketgate requests list\nticketgate requests approve ").Append(r.Id).Append(" --as NAME\nticketgate requests reject ")
            .Append(r.Id).Append(" --as NAME --reason TEXT</pre></body></html>");
        return Results.Content(html.ToString(), "text/html; charset=utf-8");
    }

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}

/// <summary>An audit row as the API shows it.</summary>
public sealed record AuditView(long Id, DateTimeOffset At, string? SessionId, string Connection, string Subject, IReadOnlyList<string> Groups,
    string Statement, string? StatementClass, string? Tier, string? Rule, string Decision, Guid? RequestId, IReadOnlyList<string> DecidedBy,
    long DurationUs, long? HoldUs, long? ReleaseUs, long? RowsAffected, string? CommandTag, string? SqlState)
{
    public static AuditView From(AuditRecord record)
    {
        var e = record.Entry;
        return new AuditView(record.Id, e.At, e.SessionId, e.Connection, e.Subject, e.Groups, e.Statement, e.StatementClass, e.Tier?.ToName(), e.Rule,
            e.Decision.ToName(), e.RequestId, e.DecidedBy, e.DurationUs, e.HoldUs, e.ReleaseUs, e.RowsAffected, e.CommandTag, e.SqlState);
    }
}
