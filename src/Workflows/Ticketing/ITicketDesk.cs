namespace TicketGate.Workflows.Ticketing;

/// <summary>
/// Opens change tickets for held commands in the organisation's ticket system (Jira, ServiceNow). Implementations retry
/// transient failures themselves; when the system stays unreachable they throw <see cref="TicketSystemUnavailableException"/>,
/// which a workflow treats as "the approval channel is unavailable" (its Unavailable outcome), not as a fault.
/// </summary>
public interface ITicketDesk
{
    /// <exception cref="TicketSystemUnavailableException">The ticket system could not be reached after retries.</exception>
    Task<OpenedTicket> OpenAsync(TicketRequest request, CancellationToken cancellationToken);
}

/// <summary>What to open: the system (<see cref="Approvals.TicketSystems"/>), the held command's request, and the text people read.</summary>
public sealed record TicketRequest
{
    public required string System { get; init; }
    public required Guid RequestId { get; init; }
    public required string Summary { get; init; }
    public required string Description { get; init; }
    /// <summary>Jira: the project key. ServiceNow: the assignment group. Null: the system's configured default.</summary>
    public string? Queue { get; init; }
    /// <summary>Jira: the issue type. ServiceNow: the change type (normal, standard, emergency).</summary>
    public string? Kind { get; init; }
    /// <summary>What the workflow itself wrote for the ticket body (the step's Description input); null when it wrote nothing.</summary>
    public string? Notes { get; init; }
    /// <summary>Where approvers decide the request in TicketGate, for the ticket's body.</summary>
    public string? ApprovalLink { get; init; }
}

/// <summary>A ticket that now exists: its key (PROJ-123, CHG0001234) and where people open it.</summary>
public sealed record OpenedTicket(string Key, string? Url);

public sealed class TicketSystemUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Used when no ticket system is configured: every ticket request finds the channel unavailable, so workflows take their
/// fallback path instead of faulting.
/// </summary>
public sealed class UnconfiguredTicketDesk : ITicketDesk
{
    public Task<OpenedTicket> OpenAsync(TicketRequest request, CancellationToken cancellationToken) =>
        Task.FromException<OpenedTicket>(new TicketSystemUnavailableException(
            $"no {request.System} connection is configured in TicketGate, so no ticket can be opened; configure the ticket system " +
            "or bind the connection to a workflow without a ticket step."));
}
