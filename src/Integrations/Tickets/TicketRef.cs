namespace TicketGate.Integrations.Tickets;

public enum TicketSystemKind
{
    JiraCloud,
    JiraDataCenter,
    ServiceNow,
}

/// <summary>
/// A ticket TicketGate opened: the system, the record's id and human key (Jira id and GATE-42, ServiceNow sys_id and CHG0030042),
/// where a person opens it, and the idempotency key it must carry for a decision on it to count.
/// </summary>
public sealed record TicketRef(TicketSystemKind System, string Id, string Key, Uri Url, string IdempotencyKey)
{
    public override string ToString() => $"{System} {Key}";
}
