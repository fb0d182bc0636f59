using System.Text.Json.Nodes;
using TicketGate.Integrations.Tickets;

namespace TicketGate.Integrations.Jira;

/// <summary>
/// Maps an issue read with expand=changelog to a decision: the status name says approved, rejected or pending, and the author of
/// the newest history entry that moved the status there is who decided.
/// </summary>
public static class JiraIssueDecision
{
    public static TicketDecision From(JsonObject issue, TicketRef ticket, JiraStatusNames statuses)
    {
        var status = StatusName(issue);
        var verdict = statuses.VerdictOf(status);
        if (verdict == TicketVerdict.Pending) return TicketDecision.Pending(ticket, status);

        JsonObject? deciding = null;
        DateTimeOffset? decidedAt = null;
        if (issue["changelog"]?["histories"] is JsonArray histories)
        {
            foreach (var node in histories)
            {
                if (node is not JsonObject history || !MovedStatusTo(history, status)) continue;
                var at = JiraTime.Parse(history["created"]?.GetValue<string>());
                if (deciding is null || (at is not null && (decidedAt is null || at > decidedAt)))
                {
                    deciding = history;
                    decidedAt = at;
                }
            }
        }
        // Without a changelog entry nobody is credited; the workflow's distinct-people rule then refuses to count the decision.
        IReadOnlyList<TicketActor> people = deciding?["author"] is JsonObject author ? [ActorOf(author)] : [];
        return new TicketDecision(ticket, verdict, people, decidedAt, status);
    }

    public static string StatusName(JsonObject issue) => issue["fields"]?["status"]?["name"]?.GetValue<string>() ?? "";

    /// <summary>Cloud users carry accountId (and often no email); Data Center users carry name and key.</summary>
    public static TicketActor ActorOf(JsonObject user)
    {
        var accountId = user["accountId"]?.GetValue<string>();
        var name = user["name"]?.GetValue<string>();
        var id = accountId ?? name ?? user["key"]?.GetValue<string>() ?? "unknown";
        return new TicketActor(id, user["displayName"]?.GetValue<string>(), user["emailAddress"]?.GetValue<string>(), name);
    }

    private static bool MovedStatusTo(JsonObject history, string status)
    {
        if (history["items"] is not JsonArray items) return false;
        foreach (var item in items)
        {
            if (item?["field"]?.GetValue<string>() == "status"
                && string.Equals(item["toString"]?.GetValue<string>(), status, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }
}
