using TicketGate.Integrations.Jira;
using TicketGate.Integrations.Resilience;
using TicketGate.Integrations.ServiceNow;
using TicketGate.Integrations.Tickets;
using TicketGate.Tests.Fakes.Jira;

namespace TicketGate.Tests.Integrations;

/// <summary>Drafts and client settings for tests: real clients against the fakes, with delays shrunk to milliseconds.</summary>
public static class TicketScenario
{
    public static readonly TicketChannelOptions QuickChannel = new()
    {
        MaxRetryAttempts = 4,
        BaseDelay = TimeSpan.FromMilliseconds(20),
        MaxDelay = TimeSpan.FromMilliseconds(200),
        MinimumThroughput = 4,
        FailureRatio = 0.5,
        SamplingDuration = TimeSpan.FromSeconds(30),
        BreakDuration = TimeSpan.FromSeconds(30),
        AttemptTimeout = TimeSpan.FromSeconds(5),
    };

    public static readonly CreateOnceOptions QuickCreateOnce = new()
    {
        MaxCreateAttempts = 3,
        SearchDelays = [TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(400), TimeSpan.FromMilliseconds(800)],
    };

    public static TicketDraft Draft(string statement = "DELETE FROM orders WHERE created_at < now() - interval '90 days'", Guid? requestId = null)
    {
        var id = requestId ?? Guid.NewGuid();
        return new TicketDraft
        {
            RequestId = id,
            Summary = "Agent build-bot wants to run DELETE on shop (production)",
            Requester = "build-bot@example.com",
            RequesterGroups = ["agents", "shop-writers"],
            Connection = "shop",
            Environment = "production",
            Statement = statement,
            StatementClass = "DELETE",
            Tier = "high",
            MatchedRule = "deletes-need-approval",
            Deadline = new DateTimeOffset(2026, 11, 24, 12, 30, 0, TimeSpan.Zero),
            RequestPage = new Uri($"https://ticketgate.example.com/requests/{id:D}"),
        };
    }

    public static JiraOptions JiraOptions(FakeJira jira, JiraStatusNames? statuses = null, string? groupField = null, bool jsm = false,
        TicketChannelOptions? channel = null) => new()
    {
        BaseUrl = jira.BaseUrl,
        ProjectKey = FakeJira.ProjectKey,
        Statuses = statuses ?? new JiraStatusNames(),
        GroupField = groupField,
        DecideByServiceManagementApprovals = jsm,
        CreateOnce = QuickCreateOnce,
        Channel = channel ?? QuickChannel,
    };

    public static JiraCloudClient Cloud(FakeJira jira, JiraOptions? options = null) =>
        new(options ?? JiraOptions(jira), jira.ServiceAccount.Email, () => jira.ServiceAccount.Token);

    public static JiraDataCenterClient DataCenter(FakeJira jira, JiraOptions? options = null) =>
        new(options ?? JiraOptions(jira), () => jira.ServiceAccount.Token);

    public static ServiceNowOptions ServiceNowOptions(Uri instance, TicketChannelOptions? channel = null) => new()
    {
        InstanceUrl = instance,
        AssignmentGroup = "Change Advisory Board",
        CreateOnce = QuickCreateOnce,
        Channel = channel ?? QuickChannel,
    };
}
