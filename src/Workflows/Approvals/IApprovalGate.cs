namespace TicketGate.Workflows.Approvals;

/// <summary>
/// The seam between a proxy holding a command and whatever decides it (the request store with CLI/API approvals,
/// later the workflow runtime). The proxy submits, waits on <see cref="PendingApproval.Decision"/>, and withdraws
/// when its client cancels or leaves.
/// </summary>
public interface IApprovalGate
{
    /// <summary>Persists the request and starts deciding it. Throws <see cref="ApprovalStoreUnavailableException"/> when it can't be stored.</summary>
    Task<PendingApproval> SubmitAsync(ApprovalRequest request, CancellationToken cancellationToken);
}

/// <summary>A submitted request. <see cref="Decision"/> completes exactly once.</summary>
public abstract class PendingApproval
{
    public abstract Guid RequestId { get; }
    /// <summary>Where a person approves it (a URL of TicketGate's page for the request).</summary>
    public abstract string ApprovalLink { get; }
    public abstract Task<ApprovalDecision> Decision { get; }

    /// <summary>Marks the request withdrawn unless it was already decided; returns the decision that stands.</summary>
    public abstract Task<ApprovalDecision> WithdrawAsync(string reason);
}

public sealed class ApprovalStoreUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
