using TicketGate.Workflows.Approvals;
using TicketGate.Workflows.Runtime;

namespace TicketGate.Workflows.Activities;

/// <summary><c>TicketGate.Deny</c>: the held command is not run and the agent is told why. Ends the workflow.</summary>
[Activity("TicketGate", "Deny", Category = "TicketGate", DisplayName = "Deny",
    Description = "Refuses the held command with a reason the agent sees, and ends the workflow.", IsTerminal = true)]
public sealed class Deny(ApprovalRequestStore requests, IDecisionPublisher publisher) : DecisionStep(requests, publisher)
{
    [Input(Description = "The reason the agent sees. Empty: the rejecting approver's reason, or what the fallback step noted.",
        UIHint = InputUIHints.MultiLine)]
    public Input<string> Reason { get; } = new();

    public override async ValueTask ExecuteAsync(ActivityExecutionContext context)
    {
        var reason = context.Get(Reason) is { Length: > 0 } given ? given : NoteReason(context);
        if (reason is null && ApprovalWorkflowInput.RequestIdOf(context.WorkflowInput) is { } requestId)
        {
            var stored = await Requests.GetAsync(requestId, context.CancellationToken);
            foreach (var vote in stored?.Votes ?? [])
            {
                if (!vote.Approve && vote.Reason is { Length: > 0 } said)
                {
                    reason = said;
                    break;
                }
            }
        }
        await DecideAsync(context, ApprovalStatus.Rejected, reason ?? $"the approval workflow '{context.DefinitionId}' denied it");
    }
}
