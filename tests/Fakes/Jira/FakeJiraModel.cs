using System.Text.Json.Nodes;

namespace TicketGate.Tests.Fakes.Jira;

/// <summary>A Jira user; Cloud shows the account id, Data Center the name and key. Each user has their own token.</summary>
public sealed record FakeJiraUser(string AccountId, string Name, string DisplayName, string Email, string Token);

public sealed record FakeJiraStatus(string Id, string Name, string CategoryKey)
{
    public int CategoryId => CategoryKey switch { "new" => 2, "done" => 3, _ => 4 };
    public string CategoryName => CategoryKey switch { "new" => "To Do", "done" => "Done", _ => "In Progress" };
    public string Color => CategoryKey switch { "new" => "blue-gray", "done" => "green", _ => "yellow" };
}

/// <summary>A transition is named for the action ("Approve"); clients must find it by its target status ("Approved").</summary>
public sealed record FakeJiraTransition(string Id, string Name, string To);

/// <summary>The statuses and transitions of the project's workflow; every transition is available from every other status.</summary>
public sealed class FakeJiraWorkflow
{
    public IReadOnlyList<FakeJiraStatus> Statuses { get; init; } =
    [
        new("10101", "Waiting for approval", "new"),
        new("10102", "Approved", "done"),
        new("10103", "Declined", "done"),
        new("10104", "Done", "done"),
        new("10105", "Cancelled", "done"),
    ];

    public IReadOnlyList<FakeJiraTransition> Transitions { get; init; } =
    [
        new("11", "Approve", "Approved"),
        new("21", "Decline", "Declined"),
        new("31", "Resolve", "Done"),
        new("41", "Withdraw", "Cancelled"),
        new("51", "Reopen", "Waiting for approval"),
    ];

    public FakeJiraStatus Status(string name) =>
        Statuses.First(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));
}

public sealed record FakeJiraHistoryItem(string Field, string From, string FromString, string To, string ToString_);

public sealed record FakeJiraHistory(string Id, FakeJiraUser Author, DateTimeOffset Created, IReadOnlyList<FakeJiraHistoryItem> Items);

public sealed record FakeJiraComment(string Id, FakeJiraUser Author, JsonNode Body, DateTimeOffset Created);

public sealed class FakeJsmApprover(FakeJiraUser user)
{
    public FakeJiraUser User { get; } = user;
    public string Decision { get; set; } = "pending";
}

public sealed class FakeJsmApproval(string id, IReadOnlyList<FakeJsmApprover> approvers, DateTimeOffset created)
{
    public string Id { get; } = id;
    public string Name { get; } = "Waiting for approval";
    public IReadOnlyList<FakeJsmApprover> Approvers { get; } = approvers;
    public DateTimeOffset Created { get; } = created;
    public DateTimeOffset? Completed { get; set; }

    public string FinalDecision
    {
        get
        {
            if (Approvers.Any(a => a.Decision == "declined")) return "declined";
            return Approvers.All(a => a.Decision == "approved") ? "approved" : "pending";
        }
    }
}

public sealed class FakeJiraIssue
{
    public required string Id { get; init; }
    public required string Key { get; init; }
    public required DateTimeOffset Created { get; init; }
    public required FakeJiraUser Reporter { get; init; }
    /// <summary>The API version it was created through: "3" (ADF) or "2" (wiki string).</summary>
    public required string CreatedThrough { get; init; }
    public required JsonObject Fields { get; init; }
    public required FakeJiraStatus Status { get; set; }
    public DateTimeOffset Updated { get; set; }
    public List<string> Labels { get; } = [];
    public Dictionary<string, JsonNode?> Properties { get; } = new(StringComparer.Ordinal);
    public List<FakeJiraComment> Comments { get; } = [];
    public List<FakeJiraHistory> Histories { get; } = [];
    public List<FakeJsmApproval> Approvals { get; } = [];
}

/// <summary>One webhook delivery: its id stays the same when it is sent again, as Jira's retries do.</summary>
public sealed record FakeJiraWebhookDelivery(string Id, byte[] Body, string IssueKey);
