using TicketGate.Workflows.Approvals;
using TicketGate.Workflows.Expressions;
using TicketGate.Workflows.Runtime;

namespace TicketGate.Workflows.Activities;

/// <summary>
/// <c>TicketGate.RequestApproval</c>: waits until enough distinct people approved the held command (Approved), one person
/// rejected it (Rejected), or the deadline passed (TimedOut). Votes arrive through TicketGate's API and CLI
/// (<see cref="ApprovalDesk"/>), which checks the approver groups set here and records each person's first vote; every
/// vote resumes this step, which counts people from the store, so a vote that raced another is never lost. The requester
/// never counts. Escalation runs beside it (<see cref="Escalate"/> on a parallel branch) and widens the groups.
/// </summary>
[Activity("TicketGate", "RequestApproval", Category = "TicketGate", DisplayName = "Request approval",
    Description = "Waits for distinct people of the approver groups to approve the held command, one to reject it, or the deadline.")]
[Outcomes("Approved", "Rejected", "TimedOut")]
public sealed class RequestApproval(ApprovalRequestStore requests) : WorkflowActivity
{
    public const string DeadlineBookmark = "TicketGate.ApprovalDeadline";

    [Input(Description = "Groups whose members may approve. Empty: the approver groups of the command's connection.",
        UIHint = InputUIHints.MultiText, DefaultSyntax = "Object", Order = 0)]
    public Input<string[]> ApproverGroups { get; } = new();

    [Input(Description = "How many different people must approve (the requester never counts).", DefaultValue = 1, Order = 1)]
    public Input<int> RequiredApprovals { get; } = new();

    [Input(Description = "How long to wait for the approvals, e.g. 00:30:00; then the TimedOut path. Empty: no deadline.", Order = 2)]
    public Input<TimeSpan> Deadline { get; } = new();

    [Output(Description = "The people who approved.")]
    public Output<string[]> Approvers { get; } = new();

    [Output(Description = "The person who rejected, if one did.")]
    public Output<string> RejectedBy { get; } = new();

    public override async ValueTask ExecuteAsync(ActivityExecutionContext context)
    {
        var requestId = ApprovalWorkflowInput.RequireRequestId(context.WorkflowInput);
        var groups = context.Get(ApproverGroups) is { Length: > 0 } chosen
            ? chosen
            : WorkflowTypes.ConvertTo<string[]>(context.WorkflowInput.GetValueOrDefault(ApprovalWorkflowInput.ApproverGroups)) ?? [];
        DateTimeOffset? dueAt = context.Get(Deadline) is var span && span > TimeSpan.Zero ? context.Now + span : null;
        await requests.SetApproverGroupsAsync(requestId, groups, dueAt, context.CancellationToken);
        context.Log($"Waiting for {Required(context)} approval(s) from {string.Join(", ", groups)}" +
                    (dueAt is { } d ? $" until {d:O}" : " without a deadline"));

        // Votes cast before this step waited (while a ticket was being opened) count too.
        if (await TryDecideAsync(context, requestId)) return;
        context.CreateBookmark(ApprovalStimuli.Vote, ApprovalStimuli.VotePayload(requestId));
        if (dueAt is { } due)
        {
            context.CreateBookmark(DeadlineBookmark, new Dictionary<string, object?> { ["requestId"] = requestId.ToString(), ["resumeAt"] = due }, due);
        }
    }

    public override async ValueTask ResumeAsync(ActivityExecutionContext context, ResumedBookmark resumed)
    {
        var requestId = ApprovalWorkflowInput.RequireRequestId(context.WorkflowInput);
        if (resumed.Bookmark.Name == DeadlineBookmark)
        {
            // A vote that decided it may have landed just before the timer: it wins.
            if (await TryDecideAsync(context, requestId)) return;
            context.Log("No decision by the deadline.");
            context.Complete("TimedOut");
            return;
        }
        if (await TryDecideAsync(context, requestId)) return;
        context.CreateBookmark(ApprovalStimuli.Vote, ApprovalStimuli.VotePayload(requestId));
    }

    private async Task<bool> TryDecideAsync(ActivityExecutionContext context, Guid requestId)
    {
        var stored = await requests.GetAsync(requestId, context.CancellationToken)
            ?? throw new InvalidOperationException($"approval request {requestId} does not exist in the state database.");
        var requester = stored.Request.Requester;
        var approvers = new List<string>();
        var reasons = new List<string>();
        foreach (var vote in stored.Votes)
        {
            if (string.Equals(vote.Person, requester, StringComparison.Ordinal)) continue;
            if (!vote.Approve)
            {
                context.Set(RejectedBy, vote.Person);
                context.SetVariable(DecisionNotes.DecidedBy, new[] { vote.Person });
                if (vote.Reason is { Length: > 0 }) context.SetVariable(DecisionNotes.Reason, vote.Reason);
                context.Log($"Rejected by {vote.Person}" + (vote.Reason is null ? "" : $": {vote.Reason}"));
                context.Complete("Rejected");
                return true;
            }
            if (approvers.Contains(vote.Person)) continue;
            approvers.Add(vote.Person);
            if (vote.Reason is { Length: > 0 }) reasons.Add(vote.Reason);
        }
        var required = Required(context);
        if (approvers.Count < required)
        {
            if (approvers.Count > 0) context.Log($"{approvers.Count} of {required} approvals: {string.Join(", ", approvers)}");
            return false;
        }
        context.Set(Approvers, approvers.ToArray());
        context.SetVariable(DecisionNotes.DecidedBy, approvers.ToArray());
        // The approvers' own words travel with the decision to the audit, the recording and the ticket.
        if (reasons.Count > 0) context.SetVariable(DecisionNotes.Reason, string.Join("; ", reasons));
        context.Log($"Approved by {string.Join(", ", approvers)}");
        context.Complete("Approved");
        return true;
    }

    private int Required(ActivityExecutionContext context) => Math.Max(1, context.Get(RequiredApprovals));
}
