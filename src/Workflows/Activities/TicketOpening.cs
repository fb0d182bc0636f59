using TicketGate.Workflows.Approvals;
using TicketGate.Workflows.Runtime;
using TicketGate.Workflows.Ticketing;

namespace TicketGate.Workflows.Activities;

/// <summary>
/// What OpenJiraIssue and OpenServiceNowChange share: open the ticket through <see cref="ITicketDesk"/>, note its key for
/// the decision, and take Unavailable (not a fault) when the ticket system can't be reached after the desk's retries.
/// </summary>
public abstract class TicketOpening(ITicketDesk desk) : WorkflowActivity
{
    [Output(Description = "The ticket's key, e.g. OPS-123 or CHG0001234.")]
    public Output<string> TicketKey { get; } = new();

    [Output(Description = "Where people open the ticket.")]
    public Output<string> TicketUrl { get; } = new();

    protected async Task OpenAsync(ActivityExecutionContext context, string system, string? queue, string? kind, string? summary, string? description)
    {
        var input = context.WorkflowInput;
        var requestId = ApprovalWorkflowInput.RequireRequestId(input);
        var request = new TicketRequest
        {
            System = system,
            RequestId = requestId,
            Summary = summary is { Length: > 0 }
                ? summary
                : $"TicketGate: approve a {input.GetValueOrDefault(ApprovalWorkflowInput.Tier)}-risk command by {input.GetValueOrDefault(ApprovalWorkflowInput.Requester)} " +
                  $"on {input.GetValueOrDefault(ApprovalWorkflowInput.Connection)}",
            Description = description is { Length: > 0 }
                ? description
                : $"TicketGate holds this command until it is decided (request {requestId}, rule " +
                  $"{input.GetValueOrDefault(ApprovalWorkflowInput.Rule)}):\n\n{input.GetValueOrDefault(ApprovalWorkflowInput.Command)}",
            Notes = description is { Length: > 0 } ? description : null,
            Queue = queue is { Length: > 0 } ? queue : null,
            Kind = kind is { Length: > 0 } ? kind : null,
        };
        OpenedTicket ticket;
        try
        {
            ticket = await desk.OpenAsync(request, context.CancellationToken);
        }
        catch (TicketSystemUnavailableException e)
        {
            context.SetVariable(DecisionNotes.Reason, $"{system} could not be reached to open a ticket ({e.Message})");
            context.Log($"{system} is unavailable: {e.Message}");
            context.Complete("Unavailable");
            return;
        }
        context.Set(TicketKey, ticket.Key);
        context.Set(TicketUrl, ticket.Url ?? "");
        context.SetVariable(DecisionNotes.TicketKey, ticket.Key);
        context.SetVariable(DecisionNotes.TicketUrl, ticket.Url);
        context.Log($"Opened {system} ticket {ticket.Key}" + (ticket.Url is null ? "" : $" ({ticket.Url})"));
        context.Complete("Opened");
    }
}

/// <summary><c>TicketGate.OpenJiraIssue</c>: opens a Jira issue for the held command.</summary>
[Activity("TicketGate", "OpenJiraIssue", Category = "Ticketing", DisplayName = "Open Jira issue",
    Description = "Opens a Jira issue for the held command; Unavailable when Jira can't be reached after retries.")]
[Outcomes("Opened", "Unavailable")]
public sealed class OpenJiraIssue(ITicketDesk desk) : TicketOpening(desk)
{
    [Input(Description = "The Jira project key. Empty: the configured default project.", Order = 0)]
    public Input<string> Project { get; } = new();

    [Input(Description = "The issue type.", DefaultValue = "Task", Order = 1)]
    public Input<string> IssueType { get; } = new();

    [Input(Description = "The issue summary. Empty: tier, requester and connection.", Order = 2)]
    public Input<string> Summary { get; } = new();

    [Input(Description = "The issue body. Empty: the held command and its request.", UIHint = InputUIHints.MultiLine, Order = 3)]
    public Input<string> Description { get; } = new();

    public override async ValueTask ExecuteAsync(ActivityExecutionContext context) =>
        await OpenAsync(context, TicketSystems.Jira, context.Get(Project), context.Get(IssueType), context.Get(Summary), context.Get(Description));
}

/// <summary><c>TicketGate.OpenServiceNowChange</c>: opens a ServiceNow change request for the held command.</summary>
[Activity("TicketGate", "OpenServiceNowChange", Category = "Ticketing", DisplayName = "Open ServiceNow change",
    Description = "Opens a ServiceNow change request for the held command; Unavailable when ServiceNow can't be reached after retries.")]
[Outcomes("Opened", "Unavailable")]
public sealed class OpenServiceNowChange(ITicketDesk desk) : TicketOpening(desk)
{
    [Input(Description = "The assignment group. Empty: the configured default.", Order = 0)]
    public Input<string> AssignmentGroup { get; } = new();

    [Input(Description = "The change type.", UIHint = InputUIHints.Dropdown, Options = ["normal", "standard", "emergency"],
        DefaultValue = "normal", Order = 1)]
    public Input<string> ChangeType { get; } = new();

    [Input(Description = "The short description. Empty: tier, requester and connection.", Order = 2)]
    public Input<string> ShortDescription { get; } = new();

    [Input(Description = "The change's description. Empty: the held command and its request.", UIHint = InputUIHints.MultiLine, Order = 3)]
    public Input<string> Description { get; } = new();

    public override async ValueTask ExecuteAsync(ActivityExecutionContext context) =>
        await OpenAsync(context, TicketSystems.ServiceNow, context.Get(AssignmentGroup), context.Get(ChangeType),
            context.Get(ShortDescription), context.Get(Description));
}
