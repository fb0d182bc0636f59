using TicketGate.Integrations.Tickets;

namespace TicketGate.Integrations.Webhooks;

public enum TicketFamily
{
    Jira,
    ServiceNow,
}

/// <summary>
/// "Re-read ticket X": all a webhook is allowed to cause. The hinted verdict only says how long the reconciler should wait for the
/// REST API to agree; it never decides anything by itself.
/// </summary>
public sealed record ReconcileRequest(TicketFamily Family, string TicketId, string? TicketKey, string? HintedStatus, TicketVerdict? HintedVerdict);
