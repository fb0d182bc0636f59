using System.Text.Json.Nodes;
using RestSharp;
using TicketGate.Integrations.Resilience;
using TicketGate.Integrations.Tickets;
using TicketGate.Integrations.Transport;

namespace TicketGate.Integrations.Jira;

/// <summary>
/// What Jira Cloud (v3) and Data Center (v2) share: issue creation with the idempotency key as label and property, the decision
/// read from status and changelog, comments, escalation and closing by target status name. The flavours differ in API version,
/// description format, user references and the search endpoint.
/// </summary>
public abstract class JiraClient : ITicketSystem, IDisposable
{
    public const string PropertyKey = "ticketgate";
    public const string TicketGateLabel = "ticketgate";
    public const string EscalatedLabel = "ticketgate-escalated";
    private const int MaxSummaryChars = 255;

    private protected JiraClient(JiraOptions options, IAuthorization authorization, string system)
    {
        Options = options;
        Connection = new TicketApiConnection(system, SiteRoot(options.BaseUrl), authorization, new TicketChannel(system, options.Channel),
            VendorError.FromJira);
        ServiceManagement = new JiraServiceManagementApprovals(Connection);
    }

    public abstract TicketSystemKind Kind { get; }
    public ITicketChannelHealth Health => Connection.Channel;
    public JiraOptions Options { get; }
    public JiraServiceManagementApprovals ServiceManagement { get; }
    private protected TicketApiConnection Connection { get; }

    /// <summary>"3" on Cloud, "2" on Data Center.</summary>
    private protected abstract string ApiVersion { get; }
    private protected string Api => $"rest/api/{ApiVersion}";
    private protected abstract JsonNode Description(TicketDraft draft, HeldStatementText statement);
    private protected abstract JsonNode CommentBody(string text);
    private protected abstract JsonObject UserReference(string user);
    /// <summary>Runs a JQL search and returns the issues array (Cloud /search/jql, DC /search).</summary>
    private protected abstract Task<JsonArray> SearchAsync(string jql, string fields, int maxResults, CancellationToken cancellationToken);

    public Task<TicketRef> CreateAsync(TicketDraft draft, CancellationToken cancellationToken) =>
        CreateOnce.RunAsync(Connection.System, draft.IdempotencyKey, ct => PostIssueAsync(draft, ct),
            ct => FindByIdempotencyKeyAsync(draft.IdempotencyKey, ct), Options.CreateOnce, cancellationToken);

    private async Task<TicketRef> PostIssueAsync(TicketDraft draft, CancellationToken cancellationToken)
    {
        var statement = HeldStatementText.From(draft.Statement, draft.RequestPage, Options.MaxStatementBytes);
        var fields = new JsonObject
        {
            ["project"] = new JsonObject { ["key"] = Options.ProjectKey },
            ["issuetype"] = new JsonObject { ["name"] = Options.IssueType },
            ["summary"] = TicketFacts.OneLine(draft.Summary, MaxSummaryChars),
            ["labels"] = new JsonArray(TicketGateLabel, draft.IdempotencyKey),
            ["description"] = Description(draft, statement),
        };
        if (draft.ApproverGroup is not null && Options.GroupField is not null)
        {
            fields[Options.GroupField] = new JsonArray(new JsonObject { ["name"] = draft.ApproverGroup });
        }
        var body = new JsonObject
        {
            ["fields"] = fields,
            ["properties"] = new JsonArray(new JsonObject
            {
                ["key"] = PropertyKey,
                ["value"] = new JsonObject { ["requestId"] = draft.RequestId.ToString("D"), ["idempotencyKey"] = draft.IdempotencyKey },
            }),
        };
        var created = await Connection.SendForJsonAsync(new RestRequest($"{Api}/issue", Method.Post).WithJson(body), CallKind.Create,
            "create issue", cancellationToken).ConfigureAwait(false);
        return Reference(Required(created, "id", "create issue"), Required(created, "key", "create issue"), draft.IdempotencyKey);
    }

    public async Task<TicketRef?> FindByIdempotencyKeyAsync(string idempotencyKey, CancellationToken cancellationToken)
    {
        var jql = $"project = \"{Options.ProjectKey}\" AND labels = \"{idempotencyKey}\"";
        var issues = await SearchAsync(jql, "labels,status", 10, cancellationToken).ConfigureAwait(false);
        JsonObject? oldest = null;
        foreach (var node in issues)
        {
            // The label is the trust anchor: an issue that merely matched the query text does not count.
            if (node is not JsonObject issue || !HasLabel(issue, idempotencyKey)) continue;
            if (oldest is null || long.Parse(Text(issue, "id")) < long.Parse(Text(oldest, "id"))) oldest = issue;
        }
        return oldest is null ? null : Reference(Text(oldest, "id"), Text(oldest, "key"), idempotencyKey);
    }

    public async Task<TicketDecision> ReadDecisionAsync(TicketRef ticket, CancellationToken cancellationToken)
    {
        var request = new RestRequest($"{Api}/issue/{Uri.EscapeDataString(ticket.Id)}")
            .AddQueryParameter("fields", "status,labels")
            .AddQueryParameter("expand", "changelog")
            .AddQueryParameter("properties", PropertyKey);
        var issue = await Connection.SendForJsonAsync(request, CallKind.Repeatable, $"read issue {ticket.Key}", cancellationToken)
            .ConfigureAwait(false);
        if (!HasLabel(issue, ticket.IdempotencyKey))
        {
            throw new TicketSystemException(Connection.System, $"read issue {ticket.Key}", null,
                $"the issue no longer carries the label {ticket.IdempotencyKey}, so a decision on it cannot count for this request");
        }
        if (Options.DecideByServiceManagementApprovals)
        {
            return await ServiceManagement.ReadDecisionAsync(ticket, cancellationToken).ConfigureAwait(false);
        }
        return JiraIssueDecision.From(issue, ticket, Options.Statuses);
    }

    public Task CommentAsync(TicketRef ticket, string text, CancellationToken cancellationToken) =>
        Connection.SendAsync(new RestRequest($"{Api}/issue/{Uri.EscapeDataString(ticket.Id)}/comment", Method.Post)
                .WithJson(new JsonObject { ["body"] = CommentBody(text) }),
            // A repeated comment costs less than a missing escalation or outcome, so comments are retried like reads.
            CallKind.Repeatable, $"comment on {ticket.Key}", cancellationToken);

    public async Task EscalateAsync(TicketRef ticket, TicketEscalation escalation, CancellationToken cancellationToken)
    {
        var comment = escalation.Comment;
        if (escalation.Group is not null && Options.GroupField is null) comment += $"\nEscalated to group {escalation.Group}.";
        await CommentAsync(ticket, comment, cancellationToken).ConfigureAwait(false);

        var update = new JsonObject { ["labels"] = new JsonArray(new JsonObject { ["add"] = EscalatedLabel }) };
        if (escalation.Group is not null && Options.GroupField is not null)
        {
            update[Options.GroupField] = new JsonArray(new JsonObject { ["add"] = new JsonObject { ["name"] = escalation.Group } });
        }
        var body = new JsonObject { ["update"] = update };
        if (escalation.Assignee is not null) body["fields"] = new JsonObject { ["assignee"] = UserReference(escalation.Assignee) };
        await Connection.SendAsync(new RestRequest($"{Api}/issue/{Uri.EscapeDataString(ticket.Id)}", Method.Put).WithJson(body),
            CallKind.Repeatable, $"escalate {ticket.Key}", cancellationToken).ConfigureAwait(false);
    }

    public async Task CloseAsync(TicketRef ticket, TicketClosure closure, CancellationToken cancellationToken)
    {
        var target = closure.Kind == TicketCloseKind.Done ? Options.Statuses.Done : Options.Statuses.Cancelled;
        var issue = await Connection.SendForJsonAsync(
            new RestRequest($"{Api}/issue/{Uri.EscapeDataString(ticket.Id)}").AddQueryParameter("fields", "status"),
            CallKind.Repeatable, $"read issue {ticket.Key}", cancellationToken).ConfigureAwait(false);
        var current = JiraIssueDecision.StatusName(issue);
        if (string.Equals(current, target, StringComparison.OrdinalIgnoreCase)) return;

        await CommentAsync(ticket, closure.Describe(), cancellationToken).ConfigureAwait(false);
        var transitions = await Connection.SendForJsonAsync(
            new RestRequest($"{Api}/issue/{Uri.EscapeDataString(ticket.Id)}/transitions"),
            CallKind.Repeatable, $"list transitions of {ticket.Key}", cancellationToken).ConfigureAwait(false);
        var id = TransitionTo(transitions, target);
        if (id is null)
        {
            throw new TicketSystemException(Connection.System, $"close {ticket.Key}", null,
                $"no transition from \"{current}\" leads to \"{target}\" (available: {Describe(transitions)}); " +
                "set the done/cancelled status names in the Jira settings to statuses this workflow has");
        }
        var move = new JsonObject { ["transition"] = new JsonObject { ["id"] = id } };
        await Connection.SendAsync(new RestRequest($"{Api}/issue/{Uri.EscapeDataString(ticket.Id)}/transitions", Method.Post).WithJson(move),
            CallKind.Repeatable, $"move {ticket.Key} to {target}", cancellationToken).ConfigureAwait(false);
    }

    private static string? TransitionTo(JsonObject transitions, string target)
    {
        if (transitions["transitions"] is not JsonArray list) return null;
        foreach (var node in list)
        {
            if (node?["to"]?["name"]?.GetValue<string>() is { } name && string.Equals(name, target, StringComparison.OrdinalIgnoreCase))
            {
                return node["id"]?.GetValue<string>();
            }
        }
        return null;
    }

    private static string Describe(JsonObject transitions)
    {
        if (transitions["transitions"] is not JsonArray { Count: > 0 } list) return "none";
        var names = new List<string>();
        foreach (var node in list) names.Add($"{node?["name"]} → {node?["to"]?["name"]}");
        return string.Join(", ", names);
    }

    private protected TicketRef Reference(string id, string key, string idempotencyKey) =>
        new(Kind, id, key, new Uri(SiteRoot(Options.BaseUrl), $"browse/{key}"), idempotencyKey);

    /// <summary>The site with a trailing slash, so a Data Center context path survives relative links.</summary>
    private static Uri SiteRoot(Uri baseUrl) => baseUrl.AbsoluteUri.EndsWith('/') ? baseUrl : new Uri(baseUrl.AbsoluteUri + "/");

    private static bool HasLabel(JsonObject issue, string label)
    {
        if (issue["fields"]?["labels"] is not JsonArray labels) return false;
        foreach (var l in labels)
        {
            if (l?.GetValue<string>() == label) return true;
        }
        return false;
    }

    private static string Text(JsonObject node, string name) => node[name]?.GetValue<string>() ?? "";

    private string Required(JsonObject node, string name, string operation) =>
        node[name]?.GetValue<string>() is { Length: > 0 } value
            ? value
            : throw new TicketSystemException(Connection.System, operation, null, $"the answer has no \"{name}\"");

    public void Dispose()
    {
        Connection.Dispose();
        GC.SuppressFinalize(this);
    }
}
