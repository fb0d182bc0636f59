using TicketGate.Integrations.Jira;
using TicketGate.Integrations.Tickets;
using TicketGate.Tests.Fakes;
using TicketGate.Tests.Fakes.Jira;

namespace TicketGate.Tests.Integrations;

public sealed class JiraDataCenterClientTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Issue_is_created_over_v2_with_a_wiki_description_and_a_personal_access_token()
    {
        await using var jira = await FakeJira.StartAsync();
        using var client = TicketScenario.DataCenter(jira);
        var draft = TicketScenario.Draft("DELETE FROM audit_log WHERE note = '{code}'");

        var ticket = await client.CreateAsync(draft, Ct);

        var issue = jira.Issue(ticket.Key);
        Assert.Equal("2", issue.CreatedThrough);
        Assert.Equal(TicketSystemKind.JiraDataCenter, ticket.System);
        var wiki = issue.Fields["description"]!.GetValue<string>();
        Assert.Contains("{code:sql}\nDELETE FROM audit_log WHERE note = '{\u200Bcode}'\n{code}", wiki);
        Assert.Contains("zero-width space", wiki);
        foreach (var expected in new[] { "build-bot@example.com", "agents, shop-writers", "deletes-need-approval", draft.RequestId.ToString("D"), $"[{draft.RequestPage}]" })
        {
            Assert.Contains(expected, wiki);
        }
        Assert.All(jira.Exchanges.Where(e => e.Path.StartsWith("/rest/", StringComparison.Ordinal)), e => Assert.StartsWith("/rest/api/2/", e.Path));
    }

    [Fact]
    public async Task Lost_create_response_is_recovered_through_the_v2_search()
    {
        await using var jira = await FakeJira.StartAsync();
        jira.SearchLag = TimeSpan.FromMilliseconds(250);
        jira.Faults.LoseResponse(1, FaultPlan.On("POST", "/rest/api/2/issue"));
        using var client = TicketScenario.DataCenter(jira);

        var ticket = await client.CreateAsync(TicketScenario.Draft(), Ct);

        Assert.Single(jira.Issues);
        Assert.Equal(ticket.Key, jira.Issues[0].Key);
        Assert.True(jira.Count("GET", "/rest/api/2/search") >= 1);
    }

    [Fact]
    public async Task Approver_is_named_by_user_name_on_Data_Center()
    {
        await using var jira = await FakeJira.StartAsync();
        using var client = TicketScenario.DataCenter(jira);
        var ticket = await client.CreateAsync(TicketScenario.Draft(), Ct);

        await jira.MoveAsync(ticket.Key, "Approved", jira.Approver);

        var who = Assert.Single((await client.ReadDecisionAsync(ticket, Ct)).DecidedBy);
        Assert.Equal(jira.Approver.Name, who.Id);
        Assert.Equal(jira.Approver.Name, who.UserName);
    }

    [Fact]
    public async Task A_Cloud_API_token_does_not_open_the_Data_Center_API()
    {
        await using var jira = await FakeJira.StartAsync();
        using var wrong = new JiraCloudClient(TicketScenario.JiraOptions(jira), jira.ServiceAccount.Email, () => "not-a-real-token");

        var error = await Assert.ThrowsAsync<TicketSystemException>(() => wrong.FindByIdempotencyKeyAsync("tg-x", Ct));

        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, error.Status);
    }

    [Fact]
    public async Task Service_management_approvals_decide_when_configured()
    {
        await using var jira = await FakeJira.StartAsync();
        jira.ServiceManagementApprovers = [jira.Approver, jira.SecondApprover];
        using var client = TicketScenario.DataCenter(jira, TicketScenario.JiraOptions(jira, jsm: true));
        var ticket = await client.CreateAsync(TicketScenario.Draft(), Ct);

        await jira.AnswerApprovalAsync(ticket.Key, jira.Approver, approve: true);
        var halfway = await client.ReadDecisionAsync(ticket, Ct);
        var approval = Assert.Single(await client.ServiceManagement.ListAsync(ticket.Key, Ct));
        await jira.AnswerApprovalAsync(ticket.Key, jira.SecondApprover, approve: true);
        var decision = await client.ReadDecisionAsync(ticket, Ct);

        Assert.Equal(TicketVerdict.Pending, halfway.Verdict);
        Assert.Equal(JsmDecision.Pending, approval.FinalDecision);
        Assert.Equal(TicketVerdict.Approved, decision.Verdict);
        Assert.Equal([jira.Approver.Email, jira.SecondApprover.Email], decision.DecidedBy.Select(p => p.Email!).Order());
        Assert.Equal("Approved", jira.Issue(ticket.Key).Status.Name);
    }

    [Fact]
    public async Task Answering_an_approval_twice_is_a_conflict()
    {
        await using var jira = await FakeJira.StartAsync();
        jira.ServiceManagementApprovers = [jira.ServiceAccount, jira.Approver];
        using var client = TicketScenario.Cloud(jira);
        var ticket = await client.CreateAsync(TicketScenario.Draft(), Ct);
        var approval = Assert.Single(await client.ServiceManagement.ListAsync(ticket.Key, Ct));

        var answered = await client.ServiceManagement.AnswerAsync(ticket.Key, approval.Id, approve: false, Ct);
        var again = await Assert.ThrowsAsync<TicketSystemException>(() => client.ServiceManagement.AnswerAsync(ticket.Key, approval.Id, approve: true, Ct));

        Assert.Equal(JsmDecision.Declined, answered.FinalDecision);
        Assert.Equal(System.Net.HttpStatusCode.Conflict, again.Status);
        Assert.Equal("This approval has already been answered.", again.VendorMessage);
        Assert.Equal(TicketVerdict.Rejected, (await client.ReadDecisionAsync(ticket, Ct)).Verdict);
    }
}
