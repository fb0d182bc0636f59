using System.Net;
using System.Net.Http.Headers;
using TicketGate.Integrations.Jira;
using TicketGate.Integrations.Webhooks;
using TicketGate.Tests.Fakes.Jira;
using TicketGate.Tests.Fakes.ServiceNow;
using TicketGate.Tests.Fixtures;
using TicketGate.Workflows.Approvals;
using static TicketGate.Tests.Tickets.TicketGateway;

namespace TicketGate.Tests.Tickets;

/// <summary>What the webhook receivers accept, refuse and ignore: only a verified, new delivery whose ticket REST confirms can release.</summary>
public sealed class TicketWebhookTests(PostgresClusterFixture postgres)
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    [Fact]
    public async Task Forged_contradicting_and_repeated_Jira_deliveries_release_nothing_until_the_issue_is_approved()
    {
        await using var jira = await FakeJira.StartAsync();
        await using var gateway = await StartAsync(postgres, TicketApproval(TicketSystems.Jira), jira);
        var psql = gateway.PsqlAsync(postgres, gateway.Token(), ["-c", "DELETE FROM items WHERE id = 8"]);
        var request = (await gateway.WaitForPendingAsync()).Request;
        var issue = jira.Issue((await TicketOfAsync(gateway, request.Id)).Ticket.Key);

        // A payload claiming Approved while REST still says "Waiting for approval" is only a hint: re-read, not believed.
        Assert.Equal(200, await jira.SendWebhookAsync(jira.ContradictingDelivery(issue.Key, "Approved", jira.Approver)));
        await Task.Delay(TimeSpan.FromSeconds(2.5)); // the hint's confirmation window is 2 s, then polling takes over
        Assert.Equal(ApprovalStatus.Pending, (await gateway.RequestAsync(request.Id))!.Status);

        // The approval is real now, but a delivery that isn't signed with the secret doesn't get to say so.
        var approved = await jira.MoveAsync(issue.Key, "Approved", jira.Approver, send: false);
        using (var forged = await PostJiraAsync(gateway, approved, "sha256=" + new string('0', 64)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
            Assert.Equal("application/problem+json", forged.Content.Headers.ContentType?.MediaType);
            Assert.Contains("X-Hub-Signature", await forged.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(ApprovalStatus.Pending, (await gateway.RequestAsync(request.Id))!.Status);

        Assert.Equal(200, await jira.SendWebhookAsync(approved));
        var result = await psql;
        using var repeated = await PostJiraAsync(gateway, approved, SharedSecret.Sign(approved.Body, JiraWebhookSecret), retry: 1);

        Assert.True(result.ExitCode == 0, result.StandardError);
        Assert.Contains("DELETE 1", result.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, repeated.StatusCode);
        Assert.Contains("\"outcome\":\"duplicate\"", await repeated.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal([jira.Approver.Email], (await gateway.RequestAsync(request.Id))!.DecidedBy);
        Assert.Empty(jira.ContractViolations);
    }

    [Fact]
    public async Task ServiceNow_business_rule_post_decides_before_the_next_poll_and_a_wrong_secret_is_refused()
    {
        await using var serviceNow = await FakeServiceNow.StartAsync();
        // Polls are minutes apart here, so only the business rule's POST can bring the rejection in time.
        await using var gateway = await StartAsync(postgres, TicketApproval(TicketSystems.ServiceNow), serviceNow: serviceNow,
            serviceNowPoll: TimeSpan.FromMinutes(10));
        var psql = gateway.PsqlAsync(postgres, gateway.Token(), ["-c", "DELETE FROM items WHERE id = 9"]);
        var request = (await gateway.WaitForPendingAsync()).Request;
        var change = serviceNow.Change((await TicketOfAsync(gateway, request.Id)).Ticket.Id);

        serviceNow.WebhookUrl = new Uri($"{gateway.HttpUrl}/webhooks/servicenow");
        serviceNow.WebhookSecret = "not-the-secret";
        Assert.Equal(401, await serviceNow.FireBusinessRuleAsync(serviceNow.BusinessRulePayloadOf(change.SysId)));
        serviceNow.WebhookSecret = ServiceNowWebhookSecret;
        await serviceNow.DecideAsync(change.SysId, serviceNow.Approver, approve: false, comments: "outside the change window");
        var result = await psql;

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("rejected", result.StandardError, StringComparison.Ordinal);
        Assert.Equal(1, await gateway.CountItemsAsync("id = 9"));
        Assert.Empty(serviceNow.ContractViolations);
    }

    [Fact]
    public async Task Escalation_comments_on_the_Jira_issue_and_names_the_group()
    {
        await using var jira = await FakeJira.StartAsync();
        await using var gateway = await StartAsync(postgres, TicketApproval(TicketSystems.Jira, escalateAfter: TimeSpan.FromSeconds(1)), jira);
        var psql = gateway.PsqlAsync(postgres, gateway.Token(), ["-c", "DELETE FROM items WHERE id = 10"]);
        var request = (await gateway.WaitForPendingAsync()).Request;
        var issue = jira.Issue((await TicketOfAsync(gateway, request.Id)).Ticket.Key);

        await EventuallyAsync(() => jira.Issue(issue.Key).Labels.Contains(JiraClient.EscalatedLabel) ? "" : null, "the escalation on the issue");
        Assert.Contains(jira.Issue(issue.Key).Comments, c => c.Body.ToJsonString().Contains("change-managers", StringComparison.Ordinal));
        await jira.MoveAsync(issue.Key, "Declined", jira.Approver);
        var result = await psql;

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains($"rejected in {issue.Key}", result.StandardError, StringComparison.Ordinal);
        Assert.Empty(jira.ContractViolations);
    }

    private static async Task<HttpResponseMessage> PostJiraAsync(GatewayFixture gateway, FakeJiraWebhookDelivery delivery, string signature, int retry = 0)
    {
        var content = new ByteArrayContent(delivery.Body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var message = new HttpRequestMessage(HttpMethod.Post, $"{gateway.HttpUrl}/webhooks/jira") { Content = content };
        message.Headers.Add(JiraWebhookVerifier.DeliveryHeader, delivery.Id);
        message.Headers.Add(JiraWebhookVerifier.SignatureHeader, signature);
        if (retry > 0) message.Headers.Add(JiraWebhookVerifier.RetryHeader, retry.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return await Http.SendAsync(message);
    }
}
