namespace TicketGate.Workflows.Approvals;

/// <summary>Carries a final decision to the proxy that holds the command, wherever it runs.</summary>
public interface IDecisionPublisher
{
    Task PublishAsync(ApprovalDecision decision, CancellationToken cancellationToken);
}
