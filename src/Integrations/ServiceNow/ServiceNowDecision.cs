using System.Text.Json.Nodes;
using TicketGate.Integrations.Tickets;

namespace TicketGate.Integrations.ServiceNow;

/// <summary>Who decided a change: the approvers of its sysapproval_approver records whose state matches the roll-up.</summary>
public static class ServiceNowDecision
{
    public static TicketDecision From(TicketRef ticket, TicketVerdict verdict, string rawApproval, IReadOnlyList<JsonObject> approvals)
    {
        var wanted = verdict == TicketVerdict.Approved ? "approved" : "rejected";
        var people = new List<TicketActor>();
        DateTimeOffset? last = null;
        foreach (var record in approvals)
        {
            if (ServiceNowRecord.Value(record, "sysapproval") != ticket.Id || ServiceNowRecord.Value(record, "state") != wanted) continue;
            var approver = ServiceNowRecord.Value(record, "approver");
            if (string.IsNullOrEmpty(approver)) continue;
            people.Add(new TicketActor(approver, Email: Blank(ServiceNowRecord.Value(record, "approver.email")),
                UserName: Blank(ServiceNowRecord.Value(record, "approver.user_name"))));
            var at = ServiceNowRecord.Time(ServiceNowRecord.Value(record, "sys_updated_on"));
            if (last is null || at > last) last = at;
        }
        return new TicketDecision(ticket, verdict, people, last, rawApproval);
    }

    private static string? Blank(string? text) => string.IsNullOrEmpty(text) ? null : text;
}
