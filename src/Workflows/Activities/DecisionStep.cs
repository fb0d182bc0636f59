using TicketGate.Workflows.Approvals;
using TicketGate.Workflows.Expressions;
using TicketGate.Workflows.Runtime;

namespace TicketGate.Workflows.Activities;

/// <summary>
/// What Allow and Deny share: record the decision on the request (the first decision stands) with who decided, why, the
/// fallback flag and the ticket key the earlier steps noted (<see cref="DecisionNotes"/>), then wake the session that holds
/// the command. Both are terminal: the first to complete ends the workflow and drops every other wait (escalation timers).
/// </summary>
public abstract class DecisionStep(ApprovalRequestStore requests, IDecisionPublisher publisher) : WorkflowActivity
{
    protected ApprovalRequestStore Requests { get; } = requests;

    protected async Task DecideAsync(ActivityExecutionContext context, ApprovalStatus status, string? reason)
    {
        var requestId = ApprovalWorkflowInput.RequireRequestId(context.WorkflowInput);
        var decision = new ApprovalDecision
        {
            RequestId = requestId,
            Status = status,
            Reason = reason,
            DecidedBy = WorkflowTypes.ConvertTo<string[]>(context.GetVariable(DecisionNotes.DecidedBy)) ?? [],
            ByFallback = context.GetVariable(DecisionNotes.ByFallback) is true,
            TicketKey = WorkflowTypes.ConvertTo<string>(context.GetVariable(DecisionNotes.TicketKey)),
            DecidedAt = context.Now,
        };
        var name = status.ToName();
        context.SetWorkflowOutput(DecisionNotes.DecisionOutput, name);
        var (applied, current) = await Requests.TryDecideAsync(decision, context.CancellationToken);
        if (!applied)
        {
            // The client left (or cancelled) first: nothing is released, and the instance keeps what it would have decided.
            context.Log($"The workflow decided {name}, but request {requestId} was already {current.Status.ToName()}; " +
                        "that earlier outcome stands and nothing was released.",
                new Dictionary<string, object?> { ["standing"] = current.Status.ToName(), ["decided"] = name });
            context.Complete();
            return;
        }
        context.Log($"Request {requestId} {name}" + (decision.ByFallback ? " by the fallback policy" : "") +
                    (reason is null ? "" : $": {reason}"));
        await publisher.PublishAsync(current.Decision!, context.CancellationToken);
        context.Complete();
    }

    protected static string? NoteReason(ActivityExecutionContext context) =>
        WorkflowTypes.ConvertTo<string>(context.GetVariable(DecisionNotes.Reason)) is { Length: > 0 } noted ? noted : null;
}
