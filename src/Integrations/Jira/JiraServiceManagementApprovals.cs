using System.Text.Json.Nodes;
using RestSharp;
using TicketGate.Integrations.Resilience;
using TicketGate.Integrations.Tickets;
using TicketGate.Integrations.Transport;

namespace TicketGate.Integrations.Jira;

public enum JsmDecision
{
    Pending,
    Approved,
    Declined,
}

public sealed record JsmApprover(TicketActor Approver, JsmDecision Decision);

/// <summary>One approval step of a Jira Service Management request, as /rest/servicedeskapi/request/{key}/approval lists it.</summary>
public sealed record JsmApproval(string Id, string Name, JsmDecision FinalDecision, IReadOnlyList<JsmApprover> Approvers,
    DateTimeOffset? CompletedAt);

/// <summary>Reads and answers JSM approvals; a request is approved when every approval step is, rejected when any is declined.</summary>
public sealed class JiraServiceManagementApprovals(TicketApiConnection connection)
{
    private const int PageSize = 50;

    public async Task<IReadOnlyList<JsmApproval>> ListAsync(string issueKey, CancellationToken cancellationToken)
    {
        var approvals = new List<JsmApproval>();
        for (var start = 0; ; start += PageSize)
        {
            var request = new RestRequest($"rest/servicedeskapi/request/{Uri.EscapeDataString(issueKey)}/approval")
                .AddQueryParameter("start", start)
                .AddQueryParameter("limit", PageSize);
            var page = await connection.SendForJsonAsync(request, CallKind.Repeatable, $"list approvals of {issueKey}", cancellationToken)
                .ConfigureAwait(false);
            if (page["values"] is JsonArray values)
            {
                foreach (var value in values)
                {
                    if (value is JsonObject approval) approvals.Add(Parse(approval));
                }
            }
            if (page["isLastPage"]?.GetValue<bool>() != false) return approvals;
        }
    }

    /// <summary>Answers an approval as the configured user. 409 means it was already answered or is complete.</summary>
    public async Task<JsmApproval> AnswerAsync(string issueKey, string approvalId, bool approve, CancellationToken cancellationToken)
    {
        var request = new RestRequest($"rest/servicedeskapi/request/{Uri.EscapeDataString(issueKey)}/approval/{Uri.EscapeDataString(approvalId)}",
            Method.Post).WithJson(new JsonObject { ["decision"] = approve ? "approve" : "decline" });
        var answer = await connection.SendForJsonAsync(request, CallKind.Repeatable, $"answer approval {approvalId} of {issueKey}",
            cancellationToken).ConfigureAwait(false);
        return Parse(answer);
    }

    public async Task<TicketDecision> ReadDecisionAsync(TicketRef ticket, CancellationToken cancellationToken)
    {
        var approvals = await ListAsync(ticket.Key, cancellationToken).ConfigureAwait(false);
        return Decide(ticket, approvals);
    }

    public static TicketDecision Decide(TicketRef ticket, IReadOnlyList<JsmApproval> approvals)
    {
        if (approvals.Count == 0) return TicketDecision.Pending(ticket, "no approvals");
        foreach (var approval in approvals)
        {
            if (approval.FinalDecision == JsmDecision.Declined)
            {
                return new TicketDecision(ticket, TicketVerdict.Rejected, Who(approval, JsmDecision.Declined), approval.CompletedAt, "declined");
            }
        }
        var people = new List<TicketActor>();
        DateTimeOffset? last = null;
        foreach (var approval in approvals)
        {
            if (approval.FinalDecision != JsmDecision.Approved) return TicketDecision.Pending(ticket, "pending");
            people.AddRange(Who(approval, JsmDecision.Approved));
            if (last is null || approval.CompletedAt > last) last = approval.CompletedAt;
        }
        return new TicketDecision(ticket, TicketVerdict.Approved, people, last, "approved");
    }

    private static List<TicketActor> Who(JsmApproval approval, JsmDecision decision)
    {
        var people = new List<TicketActor>();
        foreach (var approver in approval.Approvers)
        {
            if (approver.Decision == decision) people.Add(approver.Approver);
        }
        return people;
    }

    private static JsmApproval Parse(JsonObject approval)
    {
        var approvers = new List<JsmApprover>();
        if (approval["approvers"] is JsonArray list)
        {
            foreach (var node in list)
            {
                if (node?["approver"] is JsonObject user)
                {
                    approvers.Add(new JsmApprover(JiraIssueDecision.ActorOf(user), DecisionOf(node["approverDecision"]?.GetValue<string>())));
                }
            }
        }
        return new JsmApproval(
            approval["id"]?.GetValue<string>() ?? "",
            approval["name"]?.GetValue<string>() ?? "",
            DecisionOf(approval["finalDecision"]?.GetValue<string>()),
            approvers,
            JiraTime.Parse(approval["completedDate"]?["iso8601"]?.GetValue<string>()));
    }

    private static JsmDecision DecisionOf(string? text) => text switch
    {
        "approved" => JsmDecision.Approved,
        "declined" => JsmDecision.Declined,
        _ => JsmDecision.Pending,
    };
}
