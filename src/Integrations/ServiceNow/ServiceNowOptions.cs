using TicketGate.Integrations.Resilience;
using TicketGate.Integrations.Tickets;

namespace TicketGate.Integrations.ServiceNow;

/// <summary>One ServiceNow instance as the config file describes it. Credentials are passed to the client separately.</summary>
public sealed class ServiceNowOptions
{
    /// <summary>The instance, e.g. https://acme.service-now.com.</summary>
    public required Uri InstanceUrl { get; init; }
    /// <summary>The assignment group (sys_id or name) new changes go to when the draft names none.</summary>
    public string? AssignmentGroup { get; init; }
    public ServiceNowStates States { get; init; } = new();
    public int MaxStatementBytes { get; init; } = HeldStatementText.DefaultMaxBytes;
    public CreateOnceOptions CreateOnce { get; init; } = new();
    public TicketChannelOptions Channel { get; init; } = new();
}

/// <summary>
/// The change model's state values and approval names, which customers can change. Defaults are the normal change model:
/// -5 New, -4 Assess, 3 Closed, 4 Canceled; the approval roll-up reads approved or rejected.
/// </summary>
public sealed class ServiceNowStates
{
    public string New { get; init; } = "-5";
    /// <summary>Moving a new change here starts its approval flow.</summary>
    public string Assess { get; init; } = "-4";
    public string Closed { get; init; } = "3";
    public string Cancelled { get; init; } = "4";
    public IReadOnlyList<string> Approved { get; init; } = ["approved"];
    public IReadOnlyList<string> Rejected { get; init; } = ["rejected"];
    public string ClosedCode { get; init; } = "successful";
    public string CancelledCode { get; init; } = "unsuccessful";

    public TicketVerdict VerdictOf(string approval)
    {
        foreach (var name in Approved)
        {
            if (string.Equals(name, approval, StringComparison.OrdinalIgnoreCase)) return TicketVerdict.Approved;
        }
        foreach (var name in Rejected)
        {
            if (string.Equals(name, approval, StringComparison.OrdinalIgnoreCase)) return TicketVerdict.Rejected;
        }
        return TicketVerdict.Pending;
    }
}
