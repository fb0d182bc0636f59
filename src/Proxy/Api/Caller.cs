using Microsoft.AspNetCore.Http;
using TicketGate.Proxy.Configuration;
using TicketGate.Proxy.Identity;
using TicketGate.Workflows.Approvals;

namespace TicketGate.Proxy.Api;

/// <summary>Who is calling the API, from the bearer token, and what they may see.</summary>
internal static class Caller
{
    public static async Task<(AgentIdentity? Identity, IResult? Problem)> AuthenticateAsync(HttpContext http, ITokenValidator tokens, CancellationToken ct)
    {
        var header = http.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return (null, Problems.Unauthorized("send a bearer token from the identity provider in the Authorization header"));
        }
        var outcome = await tokens.ValidateAsync(header[7..].Trim(), ct);
        return outcome.IsValid ? (outcome.Identity, null) : (null, Problems.Unauthorized("the token was refused: " + outcome.Message));
    }

    /// <summary>Requesters see their own requests; approvers see the requests they may decide.</summary>
    public static bool MaySee(AgentIdentity identity, ApprovalRequest request) =>
        string.Equals(identity.Subject, request.Requester, StringComparison.Ordinal) || identity.IsInAnyGroup([.. request.ApproverGroups]);

    public static bool IsApprover(AgentIdentity identity, TicketGateOptions options)
    {
        foreach (var connection in options.Connections.Values)
        {
            if (identity.IsInAnyGroup([.. connection.ApproverGroups])) return true;
        }
        foreach (var target in options.Ssh?.Targets.Values ?? [])
        {
            if (identity.IsInAnyGroup([.. target.ApproverGroups])) return true;
        }
        return false;
    }
}

/// <summary>problem+json answers with the status and what the caller should know.</summary>
internal static class Problems
{
    public static IResult BadRequest(string detail) => Make(400, "Bad request", detail);
    public static IResult Unauthorized(string detail) => Make(401, "Unauthorized", detail);
    public static IResult Forbidden(string detail) => Make(403, "Forbidden", detail);
    public static IResult NotFound(string detail) => Make(404, "Not found", detail);
    public static IResult Conflict(string detail) => Make(409, "Conflict", detail);

    private static IResult Make(int status, string title, string detail) =>
        Results.Problem(detail: detail, statusCode: status, title: title);
}
