using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using TicketGate.Proxy.Configuration;
using TicketGate.Proxy.Identity;
using TicketGate.Proxy.Recording;

namespace TicketGate.Proxy.Api;

/// <summary>
/// Recorded sessions: GET /api/sessions (filter by subject, connection, from, to) and GET /api/sessions/{id} with the decoded
/// transcript. Approvers see every session; anyone else only their own.
/// </summary>
public static class SessionsApi
{
    public static IEndpointRouteBuilder MapSessionsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/sessions");
        api.MapGet("", ListAsync);
        api.MapGet("/{id}", GetAsync);
        return app;
    }

    private static async Task<IResult> ListAsync(HttpContext http, RecordingReader reader, TicketGateOptions options, ITokenValidator tokens,
        string? subject, string? connection, DateTimeOffset? from, DateTimeOffset? to, int? limit, CancellationToken ct)
    {
        var (identity, problem) = await Caller.AuthenticateAsync(http, tokens, ct);
        if (identity is null) return problem!;
        if (!Caller.IsApprover(identity, options))
        {
            if (subject is not null && subject != identity.Subject) return Problems.Forbidden($"{identity.Subject} is in no approver group, so may list only their own sessions");
            subject = identity.Subject;
        }
        var sessions = await reader.ListAsync(new SessionFilter(subject, connection, from, to, Math.Clamp(limit ?? 50, 1, 1000)), ct);
        return Results.Json(sessions.Select(SessionSummaryView.From).ToList(), TicketGateApi.Json);
    }

    private static async Task<IResult> GetAsync(HttpContext http, string id, RecordingReader reader, TicketGateOptions options, ITokenValidator tokens,
        CancellationToken ct)
    {
        var (identity, problem) = await Caller.AuthenticateAsync(http, tokens, ct);
        if (identity is null) return problem!;
        if (!Guid.TryParse(id, out var sessionId)) return Problems.BadRequest($"\"{id}\" is not a session id");
        var found = await reader.GetAsync(sessionId, ct);
        if (found is not { } recorded || (!Caller.IsApprover(identity, options) && recorded.Session.Subject != identity.Subject))
        {
            return Problems.NotFound($"there is no recorded session {sessionId} you may see");
        }
        var transcript = recorded.Session.Protocol switch
        {
            "kubernetes" => Kubernetes.Exec.ExecTranscript.Decode(recorded.Events),
            "ssh" => TerminalTranscript.Decode(recorded.Events),
            _ => TranscriptDecoder.Decode(recorded.Events),
        };
        var requests = transcript.Where(e => e.Kind == "hold" && e.RequestId is not null).Select(e => e.RequestId!.Value).Distinct().ToList();
        return Results.Json(new SessionView(SessionSummaryView.From(recorded.Session), requests, transcript), TicketGateApi.Json);
    }
}

/// <summary>A recorded session as the API lists it.</summary>
public sealed record SessionSummaryView(Guid Id, string Protocol, string Connection, string Subject, IReadOnlyList<string> Groups,
    DateTimeOffset StartedAt, DateTimeOffset? EndedAt, long RecordedBytes, long OmittedBytes, bool Truncated)
{
    public static SessionSummaryView From(RecordedSession s) =>
        new(s.Id, s.Protocol, s.Connection, s.Subject, s.Groups, s.StartedAt, s.EndedAt, s.RecordedBytes, s.OmittedBytes, s.Truncated);

    public RecordedSession ToRecord() => new(Id, Protocol, Connection, Subject, Groups, StartedAt, EndedAt, RecordedBytes, OmittedBytes, Truncated);
}

/// <summary>A recorded session with its transcript and the approval requests it raised.</summary>
public sealed record SessionView(SessionSummaryView Session, IReadOnlyList<Guid> Requests, IReadOnlyList<TranscriptEntry> Transcript);
