using TicketGate.Proxy.Audit;
using TicketGate.Workflows.Approvals;

namespace TicketGate.Proxy.Kubernetes.Hold;

/// <summary>How a held API request ended: released (forward it), or refused with the Status the agent gets (none when it left).</summary>
internal sealed record HoldOutcome
{
    public required bool Releases { get; init; }
    public required AuditDecision AuditDecision { get; init; }
    public ApprovalRequest? Request { get; init; }
    public ApprovalDecision? Decision { get; init; }
    public Guid? RequestId => Request?.Id;
    public IReadOnlyList<string> DecidedBy => Decision?.DecidedBy ?? [];
    public TimeSpan? HoldTime { get; init; }
    /// <summary>The Status to answer with; null when the agent is gone and nothing can be answered.</summary>
    public HoldRefusal? Refusal { get; init; }
}

internal sealed record HoldRefusal(int Code, string Reason, string Message);
