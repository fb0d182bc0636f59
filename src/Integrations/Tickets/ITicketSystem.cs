using TicketGate.Integrations.Resilience;

namespace TicketGate.Integrations.Tickets;

public interface ITicketCreator
{
    /// <summary>
    /// Opens the ticket once: when the answer to the create call is lost, it searches by the idempotency key (allowing for
    /// search lag) before creating again. A caller resuming after a crash calls <see cref="ITicketFinder"/> first.
    /// </summary>
    Task<TicketRef> CreateAsync(TicketDraft draft, CancellationToken cancellationToken);
}

public interface ITicketFinder
{
    /// <summary>The ticket carrying <paramref name="idempotencyKey"/>, or null. Search may lag behind creation.</summary>
    Task<TicketRef?> FindByIdempotencyKeyAsync(string idempotencyKey, CancellationToken cancellationToken);
}

public interface ITicketDecisionReader
{
    /// <summary>Re-reads the ticket over REST and maps its status or approval records to a decision and the people who made it.</summary>
    Task<TicketDecision> ReadDecisionAsync(TicketRef ticket, CancellationToken cancellationToken);
}

/// <summary>A system that can read many tickets' decisions in a few batched queries (what polling should use).</summary>
public interface ITicketBatchDecisionReader
{
    Task<IReadOnlyList<TicketDecision>> ReadDecisionsAsync(IReadOnlyList<TicketRef> tickets, CancellationToken cancellationToken);
}

public interface ITicketCommenter
{
    Task CommentAsync(TicketRef ticket, string text, CancellationToken cancellationToken);
}

public interface ITicketEscalator
{
    Task EscalateAsync(TicketRef ticket, TicketEscalation escalation, CancellationToken cancellationToken);
}

public interface ITicketCloser
{
    /// <summary>Records the outcome on the ticket and moves it to the configured done or cancelled status, found by name.</summary>
    Task CloseAsync(TicketRef ticket, TicketClosure closure, CancellationToken cancellationToken);
}

/// <summary>One configured Jira or ServiceNow connection, with every capability the workflow activities use.</summary>
public interface ITicketSystem : ITicketCreator, ITicketFinder, ITicketDecisionReader, ITicketCommenter, ITicketEscalator, ITicketCloser
{
    TicketSystemKind Kind { get; }
    ITicketChannelHealth Health { get; }
}
