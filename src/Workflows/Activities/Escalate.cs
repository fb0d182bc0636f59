using TicketGate.Workflows.Approvals;
using TicketGate.Workflows.Runtime;
using TicketGate.Workflows.Ticketing;

namespace TicketGate.Workflows.Activities;

/// <summary>
/// <c>TicketGate.Escalate</c>: after its own timer, tells the escalation group (<see cref="IEscalationNotifier"/>) and adds
/// it to the request's approver groups, so its members may decide through the API and CLI from then on. Put it on a
/// branch of a Fork beside <see cref="RequestApproval"/>: when Allow or Deny ends the workflow first, its timer is dropped.
/// </summary>
[Activity("TicketGate", "Escalate", Category = "TicketGate", DisplayName = "Escalate",
    Description = "After a while, notifies the escalation group and lets its members decide the request too.")]
public sealed class Escalate(ApprovalRequestStore requests, IEscalationNotifier notifier) : WorkflowActivity
{
    public const string BookmarkName = "TicketGate.Escalation";

    [Input(Description = "How long to wait before escalating, e.g. 00:10:00.", DefaultValue = "00:10:00", Order = 0)]
    public Input<TimeSpan> After { get; } = new();

    [Input(Description = "The group that is notified and may then approve.", Required = true, Order = 1)]
    public Input<string> EscalationGroup { get; } = new();

    [Input(Description = "What the notification says. Empty: which request waits and since when.", UIHint = InputUIHints.MultiLine, Order = 2)]
    public Input<string> Message { get; } = new();

    public override async ValueTask ExecuteAsync(ActivityExecutionContext context)
    {
        var after = context.Get(After);
        if (after <= TimeSpan.Zero)
        {
            await EscalateAsync(context);
            return;
        }
        var dueAt = context.Now + after;
        context.CreateBookmark(BookmarkName, new Dictionary<string, object?> { ["resumeAt"] = dueAt }, dueAt);
    }

    public override async ValueTask ResumeAsync(ActivityExecutionContext context, ResumedBookmark resumed) => await EscalateAsync(context);

    private async Task EscalateAsync(ActivityExecutionContext context)
    {
        var requestId = ApprovalWorkflowInput.RequireRequestId(context.WorkflowInput);
        var group = context.Get(EscalationGroup) is { Length: > 0 } g
            ? g
            : throw new InvalidOperationException("input 'EscalationGroup' is empty; name the group to escalate to.");
        if (!await requests.AddApproverGroupAsync(requestId, group, context.CancellationToken))
        {
            context.Log($"Request {requestId} is already decided; no escalation to {group}.");
            context.Complete();
            return;
        }
        var message = context.Get(Message) is { Length: > 0 } text
            ? text
            : $"Request {requestId} ({context.WorkflowInput.GetValueOrDefault(ApprovalWorkflowInput.Tier)} tier, " +
              $"connection {context.WorkflowInput.GetValueOrDefault(ApprovalWorkflowInput.Connection)}) still waits for approval; " +
              $"members of {group} may now decide it.";
        await notifier.NotifyAsync(new Escalation(requestId, group, message, context.WorkflowInstanceId), context.CancellationToken);
        context.Log($"Escalated to {group}: {message}");
        context.Complete();
    }
}
