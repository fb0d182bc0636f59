using TicketGate.Workflows.Approvals;
using TicketGate.Workflows.Runtime;

namespace TicketGate.Workflows.Activities;

/// <summary><c>TicketGate.Allow</c>: the held command runs. Ends the workflow.</summary>
[Activity("TicketGate", "Allow", Category = "TicketGate", DisplayName = "Allow",
    Description = "Releases the held command and ends the workflow.", IsTerminal = true)]
public sealed class Allow(ApprovalRequestStore requests, IDecisionPublisher publisher) : DecisionStep(requests, publisher)
{
    [Input(Description = "Why it is allowed, for the record. Empty: what the approval or fallback step noted.")]
    public Input<string> Reason { get; } = new();

    public override async ValueTask ExecuteAsync(ActivityExecutionContext context) =>
        await DecideAsync(context, ApprovalStatus.Approved, context.Get(Reason) is { Length: > 0 } reason ? reason : NoteReason(context));
}
