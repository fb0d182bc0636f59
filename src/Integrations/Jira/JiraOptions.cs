using TicketGate.Integrations.Resilience;
using TicketGate.Integrations.Tickets;

namespace TicketGate.Integrations.Jira;

/// <summary>One Jira site and project as the config file describes it. Credentials are passed to the client separately.</summary>
public sealed class JiraOptions
{
    /// <summary>The site, e.g. https://acme.atlassian.net or https://jira.corp/context-path.</summary>
    public required Uri BaseUrl { get; init; }
    public required string ProjectKey { get; init; }
    public string IssueType { get; init; } = "Task";
    public JiraStatusNames Statuses { get; init; } = new();
    /// <summary>A group-picker custom field (e.g. customfield_10050) that escalation and <see cref="TicketDraft.ApproverGroup"/> fill.
    /// Without it, the group is named in the comment only.</summary>
    public string? GroupField { get; init; }
    /// <summary>Read decisions from Jira Service Management approvals (finalDecision) instead of the status name.</summary>
    public bool DecideByServiceManagementApprovals { get; init; }
    public int MaxStatementBytes { get; init; } = HeldStatementText.DefaultMaxBytes;
    public CreateOnceOptions CreateOnce { get; init; } = new();
    public TicketChannelOptions Channel { get; init; } = new();
}

/// <summary>
/// The workflow's status names, compared case-insensitively. Transitions are found by their target status name, never by id,
/// because ids differ per workflow.
/// </summary>
public sealed class JiraStatusNames
{
    public IReadOnlyList<string> Approved { get; init; } = ["Approved"];
    public IReadOnlyList<string> Rejected { get; init; } = ["Declined", "Denied", "Rejected"];
    public string Done { get; init; } = "Done";
    public string Cancelled { get; init; } = "Cancelled";

    public TicketVerdict VerdictOf(string status)
    {
        if (Contains(Approved, status)) return TicketVerdict.Approved;
        return Contains(Rejected, status) ? TicketVerdict.Rejected : TicketVerdict.Pending;
    }

    private static bool Contains(IReadOnlyList<string> names, string status)
    {
        foreach (var name in names)
        {
            if (string.Equals(name, status, StringComparison.OrdinalIgnoreCase)) return true;
        }
        return false;
    }
}
