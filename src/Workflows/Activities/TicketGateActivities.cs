using TicketGate.Workflows.Approvals;
using TicketGate.Workflows.Runtime;
using TicketGate.Workflows.Ticketing;

namespace TicketGate.Workflows.Activities;

public static class TicketGateActivities
{
    /// <summary>Registers the activities that decide held commands (risk tier, approvals, escalation, fallback, tickets, allow/deny).</summary>
    public static ActivityRegistry AddTicketGateActivities(this ActivityRegistry registry, ApprovalRequestStore requests,
        IDecisionPublisher publisher, ITicketDesk tickets, IEscalationNotifier notifier) => registry
        .Add(new RiskTierBranch())
        .Add(new RequestApproval(requests))
        .Add(new Escalate(requests, notifier))
        .Add(new FallbackPolicy())
        .Add(new Allow(requests, publisher))
        .Add(new Deny(requests, publisher))
        .Add(new OpenJiraIssue(tickets))
        .Add(new OpenServiceNowChange(tickets))
        .Add(new WaitForTicketDecision());
}
