namespace TicketGate.Integrations.Tickets;

public enum TicketVerdict
{
    Pending,
    Approved,
    Rejected,
}

/// <summary>A person in the ticket system: Jira account id or user name, ServiceNow user sys_id; name and email when the system gives them.</summary>
public sealed record TicketActor(string Id, string? DisplayName = null, string? Email = null, string? UserName = null)
{
    /// <summary>The most specific name for audit lines and the distinct-people rule: email, then user name, then id.</summary>
    public string Identity => Email ?? UserName ?? Id;
}

/// <summary>
/// What the ticket says now. Only <see cref="TicketVerdict.Approved"/> and <see cref="TicketVerdict.Rejected"/> are final;
/// the workflow still checks the deadline and the requester before acting on them.
/// </summary>
public sealed record TicketDecision(
    TicketRef Ticket,
    TicketVerdict Verdict,
    IReadOnlyList<TicketActor> DecidedBy,
    DateTimeOffset? DecidedAt,
    string RawStatus)
{
    public bool IsFinal => Verdict != TicketVerdict.Pending;

    public static TicketDecision Pending(TicketRef ticket, string rawStatus) => new(ticket, TicketVerdict.Pending, [], null, rawStatus);
}
