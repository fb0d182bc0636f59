using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using TicketGate.Integrations.Jira;
using TicketGate.Tests.Fakes.Jira;
using TicketGate.Tests.Fakes.ServiceNow;
using TicketGate.Tests.Approvals;
using TicketGate.Tests.Fixtures;
using TicketGate.Workflows.Approvals;
using TicketGate.Workflows.Ticketing;
using static TicketGate.Tests.Tickets.TicketGateway;

namespace TicketGate.Tests.Tickets;

/// <summary>
/// Held commands decided in Jira and ServiceNow, end to end: real psql through the real gateway, the real clients against the
/// stateful fakes, webhooks signed as Jira signs them, ServiceNow read back by the Hangfire poll job.
/// </summary>
public sealed class TicketApprovalTests(PostgresClusterFixture postgres)
{
    [Fact]
    public async Task Delete_approved_in_Jira_runs_after_the_signed_webhook()
    {
        await using var jira = await FakeJira.StartAsync();
        await using var gateway = await StartAsync(postgres, TicketApproval(TicketSystems.Jira, notes: "Nightly cleanup.\nAsk the DBA on call."), jira);
        var psql = gateway.PsqlAsync(postgres, gateway.Token(groups: ["agents", "shop-writers"]), ["-c", "DELETE FROM items WHERE id = 4"]);
        var request = (await gateway.WaitForPendingAsync()).Request;
        var issue = jira.Issue((await TicketOfAsync(gateway, request.Id)).Ticket.Key);

        var description = issue.Fields["description"]!.ToJsonString();
        Assert.Equal("3", issue.CreatedThrough);
        Assert.Contains($"tg-{request.Id:D}", issue.Labels);
        Assert.Equal(request.Id.ToString("D"), (string?)issue.Properties[JiraClient.PropertyKey]!["requestId"]);
        foreach (var fact in new[] { "Nightly cleanup.", "Ask the DBA on call.", "agent-7", "agents, shop-writers", GatewayFixture.Connection, "test", "DELETE FROM items WHERE id = 4",
                     request.CommandClass, request.Tier.ToName(), request.Rule, request.Id.ToString("D"), $"{gateway.HttpUrl}/requests/{request.Id}" })
        {
            Assert.Contains(fact, description, StringComparison.Ordinal);
        }

        await jira.MoveAsync(issue.Key, "Approved", jira.Approver);
        var result = await psql;

        Assert.True(result.ExitCode == 0, result.StandardError);
        Assert.Contains("DELETE 1", result.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(200, jira.WebhookResults[0].Status); // the approval (closing the issue fires one more)
        var decided = (await gateway.RequestAsync(request.Id))!;
        Assert.Equal((ApprovalStatus.Approved, issue.Key), (decided.Status, decided.TicketKey));
        Assert.Equal([jira.Approver.Email], decided.DecidedBy);
        // Finished: the outcome and who decided are written on the issue, which moves to Done by the transition named for it.
        await EventuallyAsync(() => jira.Issue(issue.Key).Status.Name == "Done" ? "" : null, "the issue to be closed");
        Assert.Contains(jira.Issue(issue.Key).Comments, c => c.Body.ToJsonString().Contains(jira.Approver.Email, StringComparison.Ordinal));
        Assert.Empty(jira.ContractViolations);
    }

    [Fact]
    public async Task Jira_approval_counts_as_a_vote_of_the_shipped_approval_workflow_for_a_high_tier_command()
    {
        await using var jira = await FakeJira.StartAsync();
        var folder = Directory.CreateTempSubdirectory("ticketgate-tickets-").FullName;
        var directory = ApprovalWorkflowFile.WriteWithVariables(folder, ("HighApprovals", "1"));
        var approval = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(directory, "approval.json")))!.AsObject();
        await using var gateway = await StartAsync(postgres, approval, jira);
        var psql = gateway.PsqlAsync(postgres, gateway.Token(), ["-c", "VACUUM FULL items"]);
        var request = (await gateway.WaitForPendingAsync()).Request;
        var issue = jira.Issue((await TicketOfAsync(gateway, request.Id)).Ticket.Key);

        await jira.MoveAsync(issue.Key, "Approved", jira.Approver);
        var result = await psql;

        Assert.Equal(RiskTier.High, request.Tier);
        Assert.True(result.ExitCode == 0, result.StandardError);
        Assert.Contains("VACUUM", result.StandardOutput, StringComparison.Ordinal);
        var decided = (await gateway.RequestAsync(request.Id))!;
        Assert.Equal(ApprovalStatus.Approved, decided.Status);
        Assert.Equal([jira.Approver.Email], decided.DecidedBy);
        Assert.Equal(jira.Approver.Email, Assert.Single(decided.Votes).Person);
    }

    [Fact]
    public async Task Jira_Data_Center_issue_declined_discards_the_command_after_the_URL_token_webhook()
    {
        await using var jira = await FakeJira.StartAsync();
        await using var gateway = await StartAsync(postgres, TicketApproval(TicketSystems.Jira, notes: "Cleanup for {{ Input.connection }}: check with *payments* first."),
            jira, dataCenter: true);
        var psql = gateway.PsqlAsync(postgres, gateway.Token(), ["-c", "DELETE FROM items WHERE id = 1"]);
        var request = (await gateway.WaitForPendingAsync()).Request;
        var issue = jira.Issue((await TicketOfAsync(gateway, request.Id)).Ticket.Key);

        Assert.Equal("2", issue.CreatedThrough);
        Assert.Contains("DELETE FROM items WHERE id = 1", (string?)issue.Fields["description"], StringComparison.Ordinal);
        Assert.Contains("Cleanup for app: check with \\*payments\\* first.", (string?)issue.Fields["description"], StringComparison.Ordinal);
        await jira.MoveAsync(issue.Key, "Declined", jira.Approver);
        var result = await psql;

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains($"rejected in {issue.Key}", result.StandardError, StringComparison.Ordinal);
        Assert.Equal(200, jira.WebhookResults[0].Status); // the approval (closing the issue fires one more)
        Assert.Equal(1, await gateway.CountItemsAsync("id = 1"));
        Assert.Equal([jira.Approver.Email], (await gateway.RequestAsync(request.Id))!.DecidedBy);
    }

    [Fact]
    public async Task Change_approved_in_ServiceNow_is_found_by_polling_and_runs()
    {
        await using var serviceNow = await FakeServiceNow.StartAsync();
        await using var gateway = await StartAsync(postgres, ShippedTicketApproval(), serviceNow: serviceNow);
        var psql = gateway.PsqlAsync(postgres, gateway.Token(), ["-c", "DELETE FROM items WHERE id = 5"]);
        var request = (await gateway.WaitForPendingAsync()).Request;
        var change = serviceNow.Change((await TicketOfAsync(gateway, request.Id)).Ticket.Id);

        Assert.Equal($"tg-{request.Id:D}", change.Fields["correlation_id"]);
        Assert.Contains("DELETE FROM items WHERE id = 5", change.Fields["description"], StringComparison.Ordinal);
        Assert.Contains($"{gateway.HttpUrl}/requests/{request.Id}", change.Fields["description"], StringComparison.Ordinal);

        // No business rule posts here (WebhookUrl is unset): only the poll job can see the approval.
        await serviceNow.DecideAsync(change.SysId, serviceNow.Approver, approve: true);
        var result = await psql;

        Assert.True(result.ExitCode == 0, result.StandardError);
        Assert.Contains("DELETE 1", result.StandardOutput, StringComparison.Ordinal);
        var decided = (await gateway.RequestAsync(request.Id))!;
        Assert.Equal(ApprovalStatus.Approved, decided.Status);
        Assert.Equal([serviceNow.Approver.Email], decided.DecidedBy);
        await EventuallyAsync(() => serviceNow.Change(change.SysId).Fields["state"] == "3" ? "" : null, "the change to be closed");
        Assert.Empty(serviceNow.ContractViolations);
    }

    [Fact]
    public async Task Jira_down_leaves_the_decision_to_the_fallback_policy()
    {
        var jira = await FakeJira.StartAsync();
        await using var gateway = await StartAsync(postgres, ShippedTicketApproval(), jira);
        await jira.DisposeAsync();

        var result = await gateway.PsqlAsync(postgres, gateway.Token(), ["-c", "DELETE FROM items WHERE id = 6"]);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("fallback policy", result.StandardError, StringComparison.Ordinal);
        var request = Assert.Single(await gateway.RequestsAsync());
        Assert.Equal(ApprovalStatus.Rejected, request.Status);
        Assert.True(request.ByFallback);
        Assert.Equal(1, await gateway.CountItemsAsync("id = 6"));
    }

    [Fact]
    public async Task Jira_that_stops_answering_while_the_issue_waits_is_reported_unavailable_and_the_fallback_decides()
    {
        var jira = await FakeJira.StartAsync();
        await using var gateway = await StartAsync(postgres, TicketApproval(TicketSystems.Jira), jira, jiraPoll: TimeSpan.FromSeconds(1));
        var psql = gateway.PsqlAsync(postgres, gateway.Token(), ["-c", "DELETE FROM items WHERE id = 2"]);
        var request = (await gateway.WaitForPendingAsync()).Request;
        var ticket = await TicketOfAsync(gateway, request.Id);
        await jira.DisposeAsync();

        var result = await psql;

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains($"the ticket system could not report on {ticket.Ticket.Key}", result.StandardError, StringComparison.Ordinal);
        Assert.True((await gateway.RequestAsync(request.Id))!.ByFallback);
        Assert.Equal(1, await gateway.CountItemsAsync("id = 2"));
    }

    [Fact]
    public async Task Approval_after_the_deadline_or_by_the_requester_releases_nothing()
    {
        await using var jira = await FakeJira.StartAsync();
        await using var gateway = await StartAsync(postgres, TicketApproval(TicketSystems.Jira, deadline: TimeSpan.FromSeconds(6)), jira);
        // The agent's identity is the Jira approver's email: its own approval must not count.
        var psql = gateway.PsqlAsync(postgres, gateway.Token(subject: jira.Approver.Email), ["-c", "DELETE FROM items WHERE id = 7"]);
        var request = (await gateway.WaitForPendingAsync()).Request;
        var issue = jira.Issue((await TicketOfAsync(gateway, request.Id)).Ticket.Key);

        await jira.MoveAsync(issue.Key, "Approved", jira.Approver);
        await EventuallyAsync(() => jira.Issue(issue.Key).Comments.Any(c => c.Body.ToJsonString().Contains("requester", StringComparison.Ordinal)) ? "" : null,
            "TicketGate's note that the requester can't approve");
        var result = await psql;

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("nobody decided in the ticket in time", result.StandardError, StringComparison.Ordinal);
        // After the deadline, another approver's approval arrives: the request stays rejected and nothing runs.
        await jira.MoveAsync(issue.Key, "Waiting for approval", jira.SecondApprover, send: false);
        await jira.MoveAsync(issue.Key, "Approved", jira.SecondApprover);
        var decided = (await gateway.RequestAsync(request.Id))!;
        Assert.Equal((ApprovalStatus.Rejected, true), (decided.Status, decided.ByFallback));
        Assert.DoesNotContain(jira.Approver.Email, decided.DecidedBy);
        Assert.Equal(1, await gateway.CountItemsAsync("id = 7"));
        var link = await gateway.Services.GetRequiredService<TicketLinkStore>().FindAsync(request.Id, CancellationToken.None);
        Assert.NotEqual(TicketLinkState.Decided, link!.State);
    }

    [Fact]
    public async Task Approval_in_Jira_after_the_client_left_releases_nothing_and_the_issue_is_cancelled()
    {
        await using var jira = await FakeJira.StartAsync();
        await using var gateway = await StartAsync(postgres, TicketApproval(TicketSystems.Jira), jira);
        var psql = gateway.PsqlAsync(postgres, gateway.Token(), ["-c", "DELETE FROM items WHERE id = 3"], timeout: TimeSpan.FromSeconds(3));
        var request = (await gateway.WaitForPendingAsync()).Request;
        var issue = jira.Issue((await TicketOfAsync(gateway, request.Id)).Ticket.Key);

        await Assert.ThrowsAnyAsync<Exception>(() => psql);
        var withdrawn = await gateway.WaitForDecisionAsync(request.Id);
        await EventuallyAsync(() => jira.Issue(issue.Key).Status.Name == "Cancelled" ? "" : null, "the issue to be cancelled");
        await jira.MoveAsync(issue.Key, "Approved", jira.Approver);
        await Task.Delay(TimeSpan.FromSeconds(1));

        Assert.Equal(ApprovalStatus.Withdrawn, withdrawn.Status);
        Assert.Equal(ApprovalStatus.Withdrawn, (await gateway.RequestAsync(request.Id))!.Status);
        Assert.Equal(1, await gateway.CountItemsAsync("id = 3"));
        Assert.Contains(jira.Issue(issue.Key).Comments, c => c.Body.ToJsonString().Contains("withdrawn", StringComparison.Ordinal));
        var link = await gateway.Services.GetRequiredService<TicketLinkStore>().FindAsync(request.Id, CancellationToken.None);
        Assert.Equal(TicketLinkState.Closed, link!.State);
        Assert.Empty(jira.ContractViolations);
    }
}
