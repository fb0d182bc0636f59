namespace TicketGate.Workflows.Approvals;

/// <summary>
/// Carries a decision to the proxy that holds the command. The workflow that decided may run in another TicketGate process
/// than the session waiting for it (a timer fired there, or an approver's API call landed there), so deciding and waking
/// the holder are separate steps: the store records the decision, the publisher wakes whoever waits.
/// </summary>
public interface IDecisionPublisher
{
    Task PublishAsync(ApprovalDecision decision, CancellationToken cancellationToken);
}

/// <summary>Wakes a session of this process that waits on the decision; sessions elsewhere are not reached.</summary>
public sealed class InProcessDecisionPublisher(DecisionSignals signals) : IDecisionPublisher
{
    public Task PublishAsync(ApprovalDecision decision, CancellationToken cancellationToken)
    {
        signals.Deliver(decision);
        return Task.CompletedTask;
    }
}
