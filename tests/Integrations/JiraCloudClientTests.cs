using System.Text.Json.Nodes;
using TicketGate.Integrations.Jira;
using TicketGate.Integrations.Tickets;
using TicketGate.Tests.Fakes;
using TicketGate.Tests.Fakes.Jira;

namespace TicketGate.Tests.Integrations;

public sealed class JiraCloudClientTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Created_issue_carries_every_fact_in_ADF_and_the_key_as_label_and_property()
    {
        await using var jira = await FakeJira.StartAsync();
        using var client = TicketScenario.Cloud(jira);
        var draft = TicketScenario.Draft();

        var ticket = await client.CreateAsync(draft, Ct);

        var issue = jira.Issue(ticket.Key);
        Assert.Equal("3", issue.CreatedThrough);
        Assert.Contains(draft.IdempotencyKey, issue.Labels);
        Assert.Equal(draft.RequestId.ToString("D"), issue.Properties[JiraClient.PropertyKey]!["requestId"]!.GetValue<string>());
        var description = Assert.IsType<JsonObject>(issue.Fields["description"]);
        Assert.Equal("doc", description["type"]!.GetValue<string>());
        var text = AdfText(description);
        foreach (var expected in new[]
                 {
                     "build-bot@example.com", "agents, shop-writers", "shop", "production", "DELETE", "high", "deletes-need-approval",
                     draft.RequestId.ToString("D"), "2026-11-24 12:30:00 UTC", draft.RequestPage.ToString(), draft.Statement,
                 })
        {
            Assert.Contains(expected, text);
        }
        var codeBlock = description["content"]!.AsArray().Single(n => n!["type"]!.GetValue<string>() == "codeBlock");
        Assert.Equal(draft.Statement, codeBlock!["content"]![0]!["text"]!.GetValue<string>());
        Assert.Equal(new Uri(jira.BaseUrl, $"browse/{ticket.Key}"), ticket.Url);
        Assert.Equal(draft.IdempotencyKey, ticket.IdempotencyKey);
    }

    [Fact]
    public async Task Long_statement_is_cut_at_a_line_and_the_ticket_says_so()
    {
        await using var jira = await FakeJira.StartAsync();
        var options = TicketScenario.JiraOptions(jira);
        using var client = new JiraCloudClient(new JiraOptions
        {
            BaseUrl = options.BaseUrl, ProjectKey = options.ProjectKey, MaxStatementBytes = 1024,
            CreateOnce = options.CreateOnce, Channel = options.Channel,
        }, jira.ServiceAccount.Email, () => jira.ServiceAccount.Token);
        var statement = string.Join('\n', Enumerable.Range(0, 200).Select(i => $"DELETE FROM t WHERE id = {i}; -- ünïcödé"));

        var ticket = await client.CreateAsync(TicketScenario.Draft(statement), Ct);

        var description = jira.Issue(ticket.Key).Fields["description"]!.AsObject();
        var code = description["content"]!.AsArray().Single(n => n!["type"]!.GetValue<string>() == "codeBlock")!["content"]![0]!["text"]!.GetValue<string>();
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(code) <= 1024);
        Assert.StartsWith(code, statement, StringComparison.Ordinal);
        Assert.EndsWith("ünïcödé", code, StringComparison.Ordinal);
        Assert.Contains("Statement truncated", AdfText(description));
    }

    [Fact]
    public async Task Lost_create_response_under_search_lag_still_creates_exactly_one_issue()
    {
        await using var jira = await FakeJira.StartAsync();
        jira.SearchLag = TimeSpan.FromMilliseconds(500);
        jira.Faults.LoseResponse(1, FaultPlan.On("POST", "/rest/api/3/issue"));
        using var client = TicketScenario.Cloud(jira);

        var ticket = await client.CreateAsync(TicketScenario.Draft(), Ct);

        Assert.Single(jira.Issues);
        Assert.Equal(jira.Issues[0].Key, ticket.Key);
        Assert.Equal(1, jira.Count("POST", "/rest/api/3/issue"));
        Assert.True(jira.Count("GET", "/rest/api/3/search/jql") >= 2, "the first searches ran inside the lag and found nothing");
    }

    [Fact]
    public async Task Approval_is_read_from_status_with_the_changelog_author_as_approver()
    {
        await using var jira = await FakeJira.StartAsync();
        using var client = TicketScenario.Cloud(jira);
        var ticket = await client.CreateAsync(TicketScenario.Draft(), Ct);
        Assert.Equal(TicketVerdict.Pending, (await client.ReadDecisionAsync(ticket, Ct)).Verdict);

        await jira.MoveAsync(ticket.Key, "Approved", jira.Approver);

        var decision = await client.ReadDecisionAsync(ticket, Ct);
        Assert.Equal(TicketVerdict.Approved, decision.Verdict);
        var who = Assert.Single(decision.DecidedBy);
        Assert.Equal(jira.Approver.AccountId, who.Id);
        Assert.Equal("approver.one@example.com", who.Identity);
        Assert.NotNull(decision.DecidedAt);
    }

    [Fact]
    public async Task Status_names_come_from_configuration()
    {
        var workflow = new FakeJiraWorkflow
        {
            Statuses = [new("1", "Wartet", "new"), new("2", "Genehmigt", "done"), new("3", "Abgelehnt", "done"), new("4", "Erledigt", "done"), new("5", "Storniert", "done")],
            Transitions = [new("7", "Genehmigen", "Genehmigt"), new("8", "Ablehnen", "Abgelehnt"), new("9", "Abschließen", "Erledigt"), new("10", "Stornieren", "Storniert")],
        };
        await using var jira = await FakeJira.StartAsync(workflow);
        var statuses = new JiraStatusNames { Approved = ["Genehmigt"], Rejected = ["Abgelehnt"], Done = "Erledigt", Cancelled = "Storniert" };
        using var client = TicketScenario.Cloud(jira, TicketScenario.JiraOptions(jira, statuses));
        using var defaults = TicketScenario.Cloud(jira);
        var ticket = await client.CreateAsync(TicketScenario.Draft(), Ct);

        await jira.MoveAsync(ticket.Key, "Abgelehnt", jira.Approver);

        Assert.Equal(TicketVerdict.Rejected, (await client.ReadDecisionAsync(ticket, Ct)).Verdict);
        Assert.Equal(TicketVerdict.Pending, (await defaults.ReadDecisionAsync(ticket, Ct)).Verdict);
        await client.CloseAsync(ticket, new TicketClosure { Kind = TicketCloseKind.Done, Outcome = "rejected", DecidedBy = ["approver.one"] }, Ct);
        Assert.Equal("Erledigt", jira.Issue(ticket.Key).Status.Name);
    }

    [Fact]
    public async Task Close_takes_the_transition_whose_target_status_has_the_configured_name_and_records_the_outcome()
    {
        await using var jira = await FakeJira.StartAsync();
        using var client = TicketScenario.Cloud(jira);
        var ticket = await client.CreateAsync(TicketScenario.Draft(), Ct);
        await jira.MoveAsync(ticket.Key, "Approved", jira.Approver);

        var closure = new TicketClosure
        {
            Kind = TicketCloseKind.Done, Outcome = "approved", DecidedBy = ["approver.one@example.com"],
            SessionRecord = new Uri("https://ticketgate.example.com/sessions/42"),
        };
        await client.CloseAsync(ticket, closure, Ct);
        await client.CloseAsync(ticket, closure, Ct);

        var issue = jira.Issue(ticket.Key);
        Assert.Equal("Done", issue.Status.Name);
        var posted = Assert.Single(jira.Exchanges, e => e.Method == "POST" && e.Path.EndsWith("/transitions", StringComparison.Ordinal));
        Assert.Contains("\"31\"", posted.RequestBody);
        var comment = AdfText(Assert.Single(issue.Comments).Body.AsObject());
        Assert.Contains("approved", comment);
        Assert.Contains("approver.one@example.com", comment);
        Assert.Contains("https://ticketgate.example.com/sessions/42", comment);
    }

    [Fact]
    public async Task Close_to_a_status_the_workflow_lacks_names_the_available_transitions()
    {
        await using var jira = await FakeJira.StartAsync();
        using var client = TicketScenario.Cloud(jira, TicketScenario.JiraOptions(jira, new JiraStatusNames { Cancelled = "Abandoned" }));
        var ticket = await client.CreateAsync(TicketScenario.Draft(), Ct);

        var error = await Assert.ThrowsAsync<TicketSystemException>(() =>
            client.CloseAsync(ticket, new TicketClosure { Kind = TicketCloseKind.Cancelled, Outcome = "expired" }, Ct));

        Assert.Contains("\"Abandoned\"", error.Message);
        Assert.Contains("Withdraw → Cancelled", error.Message);
        Assert.Equal("Waiting for approval", jira.Issue(ticket.Key).Status.Name);
    }

    [Fact]
    public async Task Escalation_comments_assigns_and_adds_the_group()
    {
        await using var jira = await FakeJira.StartAsync();
        using var client = TicketScenario.Cloud(jira, TicketScenario.JiraOptions(jira, groupField: "customfield_10050"));
        var ticket = await client.CreateAsync(TicketScenario.Draft(), Ct);

        await client.EscalateAsync(ticket, new TicketEscalation("No decision after 15 minutes.", "dba-oncall", jira.SecondApprover.AccountId), Ct);

        var issue = jira.Issue(ticket.Key);
        Assert.Contains("No decision after 15 minutes.", AdfText(Assert.Single(issue.Comments).Body.AsObject()));
        Assert.Equal(jira.SecondApprover.AccountId, issue.Fields["assignee"]!["accountId"]!.GetValue<string>());
        Assert.Equal("dba-oncall", issue.Fields["customfield_10050"]![0]!["name"]!.GetValue<string>());
        Assert.Contains(JiraClient.EscalatedLabel, issue.Labels);
    }

    [Fact]
    public async Task A_ticket_that_lost_its_label_gives_no_decision()
    {
        await using var jira = await FakeJira.StartAsync();
        using var client = TicketScenario.Cloud(jira);
        var ticket = await client.CreateAsync(TicketScenario.Draft(), Ct);
        jira.Issue(ticket.Key).Labels.Clear();
        await jira.MoveAsync(ticket.Key, "Approved", jira.Approver);

        var error = await Assert.ThrowsAsync<TicketSystemException>(() => client.ReadDecisionAsync(ticket, Ct));

        Assert.Contains(ticket.IdempotencyKey, error.Message);
    }

    internal static string AdfText(JsonObject node)
    {
        var text = new System.Text.StringBuilder();
        void Walk(JsonNode? n)
        {
            if (n is JsonObject o)
            {
                if (o["text"] is JsonValue t) text.Append(t.GetValue<string>()).Append('\n');
                Walk(o["content"]);
            }
            else if (n is JsonArray a)
            {
                foreach (var child in a) Walk(child);
            }
        }
        Walk(node);
        return text.ToString();
    }
}
