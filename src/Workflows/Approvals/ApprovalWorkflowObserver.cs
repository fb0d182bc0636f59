using TicketGate.Workflows.Runtime;

namespace TicketGate.Workflows.Approvals;

/// <summary>
/// Fails closed: when an approval workflow ends without Allow or Deny — an activity threw (the instance faulted, the
/// incident names the activity) or the flowchart ran out of steps — the held command is denied with that reason.
/// Runs after every save, wherever the instance ran (a timer in another process included).
/// </summary>
public sealed class ApprovalWorkflowObserver(ApprovalRequestStore store, IDecisionPublisher publisher) : IWorkflowInstanceObserver
{
    public async ValueTask InstanceSavedAsync(WorkflowInstance instance, CancellationToken cancellationToken)
    {
        if (!instance.IsFinished || instance.SubStatus == WorkflowSubStatus.Cancelled) return;
        if (instance.Output.ContainsKey(DecisionNotes.DecisionOutput)) return;
        if (ApprovalWorkflowInput.RequestIdOf(instance.Input) is not { } requestId) return;

        var reason = instance.SubStatus == WorkflowSubStatus.Faulted && instance.Incidents.Count > 0
            ? $"the approval workflow '{instance.DefinitionId}' failed, so the command was not run: {instance.Incidents[^1].Message}"
            : $"the approval workflow '{instance.DefinitionId}' ended without allowing or denying the command, so it was not run";
        var decision = new ApprovalDecision { RequestId = requestId, Status = ApprovalStatus.Rejected, Reason = reason, DecidedAt = instance.FinishedAt ?? instance.UpdatedAt };
        (bool Applied, StoredApprovalRequest Current) outcome;
        try
        {
            outcome = await store.TryDecideAsync(decision, cancellationToken).ConfigureAwait(false);
        }
        catch (KeyNotFoundException)
        {
            return; // Started by hand with a request id that was never held: nobody waits.
        }
        var (applied, current) = outcome;
        if (applied) await publisher.PublishAsync(current.Decision!, cancellationToken).ConfigureAwait(false);
    }
}
