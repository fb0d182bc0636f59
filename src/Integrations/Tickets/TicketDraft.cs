namespace TicketGate.Integrations.Tickets;

/// <summary>
/// Everything an approver needs to decide a held command, independent of the ticket system that will carry it.
/// Built by the workflow from an approval request; the clients turn it into ADF, wiki text or a change request.
/// </summary>
public sealed record TicketDraft
{
    public required Guid RequestId { get; init; }
    /// <summary>One line shown as the ticket title; clients shorten it to what the system accepts.</summary>
    public required string Summary { get; init; }
    public required string Requester { get; init; }
    public IReadOnlyList<string> RequesterGroups { get; init; } = [];
    public required string Connection { get; init; }
    public string? Environment { get; init; }
    /// <summary>The statement exactly as the agent sent it. Clients shorten it with <see cref="HeldStatementText"/>.</summary>
    public required string Statement { get; init; }
    /// <summary>The statement class, e.g. DELETE or DDL.</summary>
    public required string StatementClass { get; init; }
    /// <summary>The risk tier name: low, medium, high or critical.</summary>
    public required string Tier { get; init; }
    public required string MatchedRule { get; init; }
    public required DateTimeOffset Deadline { get; init; }
    /// <summary>TicketGate's page for this request.</summary>
    public required Uri RequestPage { get; init; }
    /// <summary>Text the workflow wrote for this ticket, shown above the facts; null when it wrote none.</summary>
    public string? Notes { get; init; }
    /// <summary>A group to put the ticket in front of from the start (Jira group field, ServiceNow assignment group).</summary>
    public string? ApproverGroup { get; init; }

    /// <summary>The key that makes creation idempotent: a label and issue property in Jira, correlation_id in ServiceNow.</summary>
    public string IdempotencyKey => IdempotencyKeys.For(RequestId);
}

public static class IdempotencyKeys
{
    public const string Prefix = "tg-";

    /// <summary>The request id as TicketGate shows it everywhere else, so people can match ticket and request by eye.</summary>
    public static string For(Guid requestId) => Prefix + requestId.ToString("D");
}
