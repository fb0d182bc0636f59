using TicketGate.Workflows.Approvals;

namespace TicketGate.Proxy.Api;

/// <summary>An approval request as the API and `requests list --json` show it.</summary>
public sealed record RequestView(
    Guid Id,
    string Status,
    string Requester,
    IReadOnlyList<string> RequesterGroups,
    string Connection,
    string Protocol,
    string Statement,
    IReadOnlyList<string?> Parameters,
    string StatementClass,
    string Tier,
    string Rule,
    IReadOnlyList<string> ApproverGroups,
    DateTimeOffset CreatedAt,
    DateTimeOffset? DecidedAt,
    IReadOnlyList<string> DecidedBy,
    string? Reason,
    bool ByFallback,
    string? SessionId,
    string PayloadSha256,
    string Link)
{
    public static RequestView From(StoredApprovalRequest stored, string link)
    {
        var r = stored.Request;
        return new RequestView(r.Id, stored.Status.ToName(), r.Requester, r.RequesterGroups, r.Connection, r.Protocol, r.Command, r.Parameters,
            r.CommandClass, r.Tier.ToName(), r.Rule, r.ApproverGroups, r.CreatedAt, stored.DecidedAt, stored.DecidedBy, stored.Reason,
            stored.ByFallback, r.SessionId, r.PayloadSha256, link);
    }
}

public sealed record DecisionBody(string? Reason);
