using TicketGate.Workflows.Approvals;
using TicketGate.Workflows.Expressions;
using TicketGate.Workflows.Runtime;
using TicketGate.Workflows.Ticketing;

namespace TicketGate.Workflows.Activities;

/// <summary>
/// <c>TicketGate.WaitForTicketDecision</c>: waits until the ticket system reports the ticket approved or rejected, or that
/// it can't be asked any more (<see cref="TicketDecisions"/> resumes it by ticket key).
/// </summary>
[Activity("TicketGate", "WaitForTicketDecision", Category = "Ticketing", DisplayName = "Wait for ticket decision",
    Description = "Waits for the ticket to be approved or rejected in the ticket system.")]
[Outcomes("Approved", "Rejected", "Unavailable")]
public sealed class WaitForTicketDecision : WorkflowActivity
{
    [Input(Description = "The ticket to wait on. Empty: the ticket an earlier step opened.")]
    public Input<string> TicketKey { get; } = new();

    [Output(Description = "Who decided in the ticket system.")]
    public Output<string> DecidedBy { get; } = new();

    public override ValueTask ExecuteAsync(ActivityExecutionContext context)
    {
        var key = context.Get(TicketKey) is { Length: > 0 } given
            ? given
            : WorkflowTypes.ConvertTo<string>(context.GetVariable(DecisionNotes.TicketKey));
        if (string.IsNullOrEmpty(key))
        {
            throw new InvalidOperationException("there is no ticket to wait on: input 'TicketKey' is empty and no earlier step opened one.");
        }
        context.SetVariable(DecisionNotes.TicketKey, key);
        context.CreateBookmark(TicketDecisions.StimulusName, TicketDecisions.Payload(key));
        return ValueTask.CompletedTask;
    }

    public override ValueTask ResumeAsync(ActivityExecutionContext context, ResumedBookmark resumed)
    {
        var report = resumed.Payload as Dictionary<string, object?> ?? [];
        var statusText = WorkflowTypes.ToText(report.GetValueOrDefault("status"));
        if (!Enum.TryParse<TicketDecisionStatus>(statusText, ignoreCase: true, out var status))
        {
            throw new InvalidOperationException($"the ticket decision's status is '{statusText}', not Approved, Rejected or Unavailable.");
        }
        var by = WorkflowTypes.ToText(report.GetValueOrDefault("decidedBy"));
        var reason = WorkflowTypes.ToText(report.GetValueOrDefault("reason"));
        var key = WorkflowTypes.ToText(context.GetVariable(DecisionNotes.TicketKey));
        if (by.Length > 0)
        {
            context.Set(DecidedBy, by);
            if (status != TicketDecisionStatus.Unavailable) context.SetVariable(DecisionNotes.DecidedBy, new[] { by });
        }
        if (status == TicketDecisionStatus.Unavailable)
        {
            context.SetVariable(DecisionNotes.Reason, $"the ticket system could not report on {key}" + (reason.Length > 0 ? $" ({reason})" : ""));
        }
        else if (reason.Length > 0)
        {
            context.SetVariable(DecisionNotes.Reason, $"{status.ToString().ToLowerInvariant()} in {key}: {reason}");
        }
        context.Log($"Ticket {key}: {status}" + (by.Length > 0 ? $" by {by}" : ""));
        context.Complete(status.ToString());
        return ValueTask.CompletedTask;
    }
}
