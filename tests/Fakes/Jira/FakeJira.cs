using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using TicketGate.Integrations.Webhooks;

namespace TicketGate.Tests.Fakes.Jira;

/// <summary>
/// A stateful Jira: Cloud REST v3 (basic auth, email and API token), Data Center REST v2 (bearer personal access token) and the
/// JSM approvals subset, over one store of issues with labels, properties, comments, transitions and changelog. Tests act as
/// approvers through it, and it fires signed jira:issue_updated webhooks with Atlassian's headers.
/// </summary>
public sealed partial class FakeJira : FakeHost
{
    public const string ProjectKey = "GATE";

    private readonly Lock _lock = new();
    private readonly Dictionary<string, FakeJiraIssue> _issues = new(StringComparer.Ordinal);
    private readonly List<FakeJiraUser> _users;
    private readonly HttpClient _webhookClient = new() { Timeout = TimeSpan.FromSeconds(10) };
    private int _nextIssue = 10041;
    private int _nextHistory = 20076;
    private int _nextComment = 30000;
    private int _nextApproval = 6;

    private FakeJira(FakeJiraWorkflow workflow)
    {
        Workflow = workflow;
        ServiceAccount = new FakeJiraUser("712020:0000aaaa-1111-bbbb-2222-cccc3333dddd", "ticketgate-bot", "TicketGate", "ticketgate@example.com",
            "api-token-of-the-bot");
        Approver = new FakeJiraUser("712020:1111aaaa-2222-bbbb-3333-cccc4444dddd", "approver.one", "Approver One", "approver.one@example.com",
            "api-token-of-approver-one");
        SecondApprover = new FakeJiraUser("712020:2222aaaa-3333-bbbb-4444-cccc5555dddd", "approver.two", "Approver Two",
            "approver.two@example.com", "api-token-of-approver-two");
        _users = [ServiceAccount, Approver, SecondApprover];
    }

    public FakeJiraWorkflow Workflow { get; }
    public FakeJiraUser ServiceAccount { get; }
    public FakeJiraUser Approver { get; }
    public FakeJiraUser SecondApprover { get; }

    /// <summary>New issues stay out of search results this long (Jira Cloud search is eventually consistent).</summary>
    public TimeSpan SearchLag { get; set; }
    /// <summary>When set, every new issue gets one JSM approval step with these approvers.</summary>
    public IReadOnlyList<FakeJiraUser> ServiceManagementApprovers { get; set; } = [];
    public Uri? WebhookUrl { get; set; }
    /// <summary>With a secret, deliveries carry X-Hub-Signature; without one, the URL must carry the token itself.</summary>
    public string? WebhookSecret { get; set; }
    public List<(FakeJiraWebhookDelivery Delivery, int Status)> WebhookResults { get; } = [];

    public static async Task<FakeJira> StartAsync(FakeJiraWorkflow? workflow = null)
    {
        var fake = new FakeJira(workflow ?? new FakeJiraWorkflow());
        await fake.ListenAsync();
        return fake;
    }

    public IReadOnlyList<FakeJiraIssue> Issues
    {
        get
        {
            lock (_lock) return [.. _issues.Values.OrderBy(i => long.Parse(i.Id, CultureInfo.InvariantCulture))];
        }
    }

    public FakeJiraIssue Issue(string idOrKey)
    {
        lock (_lock) return Find(idOrKey) ?? throw new InvalidOperationException($"the fake has no issue {idOrKey}");
    }

    /// <summary>Plays the approver: moves the issue to <paramref name="status"/> as <paramref name="author"/>, recording the changelog,
    /// and returns the webhook delivery (sent at once unless <paramref name="send"/> is false, for late or reordered deliveries).</summary>
    public async Task<FakeJiraWebhookDelivery> MoveAsync(string key, string status, FakeJiraUser author, bool send = true)
    {
        FakeJiraWebhookDelivery delivery;
        lock (_lock)
        {
            var issue = Find(key) ?? throw new InvalidOperationException($"the fake has no issue {key}");
            var history = Transition(issue, Workflow.Status(status), author);
            delivery = Delivery(issue, author, history, issue.Status.Name);
        }
        if (send) await SendWebhookAsync(delivery);
        return delivery;
    }

    /// <summary>A webhook whose payload claims <paramref name="claimedStatus"/> while the issue stays as it is.</summary>
    public FakeJiraWebhookDelivery ContradictingDelivery(string key, string claimedStatus, FakeJiraUser author)
    {
        lock (_lock)
        {
            var issue = Find(key) ?? throw new InvalidOperationException($"the fake has no issue {key}");
            var to = Workflow.Status(claimedStatus);
            var history = new FakeJiraHistory((++_nextHistory).ToString(CultureInfo.InvariantCulture), author, DateTimeOffset.UtcNow,
                [new FakeJiraHistoryItem("status", issue.Status.Id, issue.Status.Name, to.Id, to.Name)]);
            return Delivery(issue, author, history, to.Name);
        }
    }

    /// <summary>Answers a JSM approval as <paramref name="approver"/>, moving the issue on when the approval completes.</summary>
    public async Task AnswerApprovalAsync(string key, FakeJiraUser approver, bool approve)
    {
        FakeJiraWebhookDelivery? delivery;
        lock (_lock)
        {
            var issue = Find(key) ?? throw new InvalidOperationException($"the fake has no issue {key}");
            var approval = issue.Approvals.Single(a => a.Completed is null);
            (_, delivery) = Answer(issue, approval, approver, approve);
        }
        if (delivery is not null) await SendWebhookAsync(delivery);
    }

    /// <summary>Posts the delivery to <see cref="WebhookUrl"/>; <paramref name="retry"/> &gt; 0 marks it as Jira's n-th retry.</summary>
    public async Task<int> SendWebhookAsync(FakeJiraWebhookDelivery delivery, int retry = 0)
    {
        if (WebhookUrl is null) return 0;
        using var content = new ByteArrayContent(delivery.Body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        using var message = new HttpRequestMessage(HttpMethod.Post, WebhookUrl) { Content = content };
        message.Headers.Add(JiraWebhookVerifier.DeliveryHeader, delivery.Id);
        message.Headers.Add("X-Atlassian-Webhook-Flow", "Primary");
        if (retry > 0) message.Headers.Add(JiraWebhookVerifier.RetryHeader, retry.ToString(CultureInfo.InvariantCulture));
        if (WebhookSecret is not null) message.Headers.Add(JiraWebhookVerifier.SignatureHeader, SharedSecret.Sign(delivery.Body, WebhookSecret));
        using var response = await _webhookClient.SendAsync(message, TestContext.Current.CancellationToken);
        lock (_lock) WebhookResults.Add((delivery, (int)response.StatusCode));
        return (int)response.StatusCode;
    }

    private FakeJiraIssue? Find(string idOrKey) =>
        _issues.TryGetValue(idOrKey, out var byKey) ? byKey : _issues.Values.FirstOrDefault(i => i.Id == idOrKey);

    private FakeJiraHistory Transition(FakeJiraIssue issue, FakeJiraStatus to, FakeJiraUser author)
    {
        var history = new FakeJiraHistory((++_nextHistory).ToString(CultureInfo.InvariantCulture), author, DateTimeOffset.UtcNow,
            [new FakeJiraHistoryItem("status", issue.Status.Id, issue.Status.Name, to.Id, to.Name)]);
        issue.Histories.Add(history);
        issue.Status = to;
        issue.Updated = history.Created;
        return history;
    }

    private (int Status, FakeJiraWebhookDelivery? Delivery) Answer(FakeJiraIssue issue, FakeJsmApproval approval, FakeJiraUser user, bool approve)
    {
        var seat = approval.Approvers.FirstOrDefault(a => a.User == user);
        if (seat is null) return (403, null);
        if (seat.Decision != "pending" || approval.Completed is not null) return (409, null);
        seat.Decision = approve ? "approved" : "declined";
        if (approval.FinalDecision == "pending") return (200, null);
        approval.Completed = DateTimeOffset.UtcNow;
        var history = Transition(issue, Workflow.Status(approval.FinalDecision == "approved" ? "Approved" : "Declined"), user);
        return (200, Delivery(issue, user, history, issue.Status.Name));
    }

    private FakeJiraWebhookDelivery Delivery(FakeJiraIssue issue, FakeJiraUser user, FakeJiraHistory history, string statusName)
    {
        var status = Workflow.Status(statusName);
        var payload = new JsonObject
        {
            ["timestamp"] = history.Created.ToUnixTimeMilliseconds(),
            ["webhookEvent"] = "jira:issue_updated",
            ["issue_event_type_name"] = "issue_generic",
            ["user"] = UserJson(user, cloud: true),
            ["issue"] = new JsonObject
            {
                ["id"] = issue.Id,
                ["self"] = new Uri(BaseUrl, $"rest/api/2/issue/{issue.Id}").ToString(),
                ["key"] = issue.Key,
                ["fields"] = new JsonObject
                {
                    ["summary"] = issue.Fields["summary"]?.DeepClone(),
                    ["labels"] = new JsonArray([.. issue.Labels.Select(l => JsonValue.Create(l))]),
                    ["status"] = StatusJson(status),
                },
            },
            ["changelog"] = new JsonObject
            {
                ["id"] = history.Id,
                ["items"] = new JsonArray([.. history.Items.Select(HistoryItemJson)]),
            },
        };
        return new FakeJiraWebhookDelivery(Guid.NewGuid().ToString("D"), Encoding.UTF8.GetBytes(payload.ToJsonString()), issue.Key);
    }

    protected override string? Unauthorized(HttpRequest request)
    {
        var path = request.Path.Value ?? "";
        if (!path.StartsWith("/rest/", StringComparison.Ordinal)) return null;
        return Caller(request) is null ? Error401 : null;
    }

    private const string Error401 = """{"errorMessages":["You are not authenticated. Authentication required to perform this operation."],"errors":{}}""";

    /// <summary>v3 takes Basic email:token, v2 (Data Center) a bearer PAT, JSM either.</summary>
    private FakeJiraUser? Caller(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        var path = request.Path.Value ?? "";
        var basic = header.StartsWith("Basic ", StringComparison.Ordinal) && !path.StartsWith("/rest/api/2/", StringComparison.Ordinal);
        var bearer = header.StartsWith("Bearer ", StringComparison.Ordinal) && !path.StartsWith("/rest/api/3/", StringComparison.Ordinal);
        if (basic)
        {
            string decoded;
            try
            {
                decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..]));
            }
            catch (FormatException)
            {
                return null;
            }
            var colon = decoded.IndexOf(':');
            if (colon < 0) return null;
            return _users.FirstOrDefault(u => u.Email == decoded[..colon] && u.Token == decoded[(colon + 1)..]);
        }
        return bearer ? _users.FirstOrDefault(u => u.Token == header["Bearer ".Length..]) : null;
    }

    protected override string ErrorBody(string path, int status, string message) =>
        path.StartsWith("/rest/servicedeskapi/", StringComparison.Ordinal)
            ? new JsonObject { ["errorMessage"] = message }.ToJsonString()
            : new JsonObject { ["errorMessages"] = new JsonArray(message), ["errors"] = new JsonObject() }.ToJsonString();
}
