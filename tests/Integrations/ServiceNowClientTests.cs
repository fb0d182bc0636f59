using System.Net;
using System.Net.Http.Headers;
using System.Text;
using TicketGate.Integrations.ServiceNow;
using TicketGate.Integrations.Tickets;
using TicketGate.Tests.Fakes;
using TicketGate.Tests.Fakes.ServiceNow;

namespace TicketGate.Tests.Integrations;

public sealed class ServiceNowClientTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ServiceNowClient Basic(FakeServiceNow sn) =>
        new(TicketScenario.ServiceNowOptions(sn.BaseUrl), sn.Integration.UserName, () => sn.Integration.Password);

    [Fact]
    public async Task Normal_change_carries_the_facts_and_key_and_asks_for_approval()
    {
        await using var sn = await FakeServiceNow.StartAsync();
        using var client = Basic(sn);
        var draft = TicketScenario.Draft();

        var ticket = await client.CreateAsync(draft, Ct);

        var change = sn.Change(ticket.Id);
        Assert.Equal(draft.IdempotencyKey, change.Fields["correlation_id"]);
        Assert.Equal("TicketGate", change.Fields["correlation_display"]);
        Assert.Equal("Change Advisory Board", change.Fields["assignment_group"]);
        Assert.Equal("-4", change.Fields["state"]);
        Assert.Equal("requested", change.Fields["approval"]);
        foreach (var expected in new[] { "build-bot@example.com", "agents, shop-writers", "production", "deletes-need-approval", draft.Statement, draft.RequestPage.ToString() })
        {
            Assert.Contains(expected, change.Fields["description"]);
        }
        Assert.Matches("^CHG00[0-9]+$", ticket.Key);
        Assert.Equal(1, sn.Count("POST", "/api/sn_chg_rest/change/normal"));
        Assert.Equal(TicketVerdict.Pending, (await client.ReadDecisionAsync(ticket, Ct)).Verdict);
    }

    [Fact]
    public async Task Approval_is_credited_to_the_approver_record()
    {
        await using var sn = await FakeServiceNow.StartAsync();
        sn.Approvers = [sn.Approver, sn.SecondApprover];
        using var client = Basic(sn);
        var ticket = await client.CreateAsync(TicketScenario.Draft(), Ct);

        await sn.DecideAsync(ticket.Id, sn.Approver, approve: true);
        Assert.Equal(TicketVerdict.Pending, (await client.ReadDecisionAsync(ticket, Ct)).Verdict);
        await sn.DecideAsync(ticket.Id, sn.SecondApprover, approve: true);

        var decision = await client.ReadDecisionAsync(ticket, Ct);
        Assert.Equal(TicketVerdict.Approved, decision.Verdict);
        Assert.Equal(["cab.approver@example.com", "cab.second@example.com"], decision.DecidedBy.Select(p => p.Identity).Order());
        Assert.Equal("cab.approver", decision.DecidedBy.Single(p => p.Id == sn.Approver.SysId).UserName);
    }

    [Fact]
    public async Task Rejection_through_the_approvers_own_call_is_read_back_as_rejected()
    {
        await using var sn = await FakeServiceNow.StartAsync();
        using var client = Basic(sn);
        var ticket = await client.CreateAsync(TicketScenario.Draft(), Ct);
        using var http = new HttpClient { BaseAddress = sn.BaseUrl };
        using var answer = new HttpRequestMessage(HttpMethod.Patch, $"api/sn_chg_rest/change/{ticket.Id}/approvals")
        {
            Content = new StringContent("""{"state":"rejected","comments":"not during the sale"}""", Encoding.UTF8, "application/json"),
        };
        answer.Headers.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{sn.Approver.UserName}:{sn.Approver.Password}")));

        using var response = await http.SendAsync(answer, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var decision = await client.ReadDecisionAsync(ticket, Ct);
        Assert.Equal(TicketVerdict.Rejected, decision.Verdict);
        Assert.Equal(sn.Approver.SysId, Assert.Single(decision.DecidedBy).Id);
    }

    [Fact]
    public async Task Lost_create_response_is_found_by_correlation_id_instead_of_creating_again()
    {
        await using var sn = await FakeServiceNow.StartAsync();
        sn.Faults.LoseResponse(1, FaultPlan.On("POST", "/api/sn_chg_rest/change/normal"));
        using var client = Basic(sn);

        var ticket = await client.CreateAsync(TicketScenario.Draft(), Ct);

        Assert.Single(sn.Changes);
        Assert.Equal(sn.Changes[0].SysId, ticket.Id);
        Assert.Equal("requested", sn.Changes[0].Fields["approval"]);
    }

    [Fact]
    public async Task OAuth_token_is_refreshed_after_a_401_and_the_call_goes_through()
    {
        await using var sn = await FakeServiceNow.StartAsync();
        using var oauth = new ServiceNowOAuth(sn.BaseUrl, FakeServiceNow.ClientId, () => FakeServiceNow.ClientSecret, sn.Integration.UserName,
            () => sn.Integration.Password, TicketScenario.QuickChannel);
        using var client = new ServiceNowClient(TicketScenario.ServiceNowOptions(sn.BaseUrl), oauth);
        var ticket = await client.CreateAsync(TicketScenario.Draft(), Ct);
        Assert.Equal(1, sn.TokensIssued);

        sn.RevokeAccessTokens();
        var decision = await client.ReadDecisionAsync(ticket, Ct);

        Assert.Equal(TicketVerdict.Pending, decision.Verdict);
        Assert.Equal(2, sn.TokensIssued);
        Assert.Contains(sn.Exchanges, e => e.Path == "/oauth_token.do" && e.RequestBody.Contains("grant_type=refresh_token", StringComparison.Ordinal));
        Assert.Contains(sn.Exchanges, e => e.Status == 401 && e.Path.StartsWith("/api/now/table/change_request/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task OAuth_with_a_wrong_client_secret_says_what_to_check_without_the_secret()
    {
        await using var sn = await FakeServiceNow.StartAsync();
        using var oauth = new ServiceNowOAuth(sn.BaseUrl, FakeServiceNow.ClientId, () => "not-the-secret", sn.Integration.UserName,
            () => sn.Integration.Password, TicketScenario.QuickChannel);
        using var client = new ServiceNowClient(TicketScenario.ServiceNowOptions(sn.BaseUrl), oauth);

        var error = await Assert.ThrowsAsync<TicketSystemException>(() => client.FindByIdempotencyKeyAsync("tg-x", Ct));

        Assert.Contains("check the OAuth application", error.Message);
        Assert.DoesNotContain("not-the-secret", error.ToString());
        Assert.DoesNotContain(sn.Integration.Password, error.ToString());
    }

    [Fact]
    public async Task Polling_many_changes_takes_two_queries()
    {
        await using var sn = await FakeServiceNow.StartAsync();
        using var client = Basic(sn);
        var tickets = new List<TicketRef>();
        for (var i = 0; i < 3; i++) tickets.Add(await client.CreateAsync(TicketScenario.Draft(), Ct));
        await sn.DecideAsync(tickets[0].Id, sn.Approver, approve: true);
        await sn.DecideAsync(tickets[2].Id, sn.Approver, approve: false, "no");
        var before = sn.Exchanges.Count;

        var decisions = await client.ReadDecisionsAsync(tickets, Ct);

        Assert.Equal(2, sn.Exchanges.Count - before);
        Assert.Equal(TicketVerdict.Approved, decisions.Single(d => d.Ticket == tickets[0]).Verdict);
        Assert.Equal(TicketVerdict.Pending, decisions.Single(d => d.Ticket == tickets[1]).Verdict);
        var rejected = decisions.Single(d => d.Ticket == tickets[2]);
        Assert.Equal(TicketVerdict.Rejected, rejected.Verdict);
        Assert.Equal("cab.approver", Assert.Single(rejected.DecidedBy).UserName);
    }

    [Fact]
    public async Task Escalation_and_closing_write_notes_group_and_state()
    {
        await using var sn = await FakeServiceNow.StartAsync();
        using var client = Basic(sn);
        var ticket = await client.CreateAsync(TicketScenario.Draft(), Ct);

        await client.EscalateAsync(ticket, new TicketEscalation("No decision after 15 minutes.", "DBA On Call", "dba.lead"), Ct);
        var closure = new TicketClosure { Kind = TicketCloseKind.Cancelled, Outcome = "expired", ByFallback = true };
        await client.CloseAsync(ticket, closure, Ct);
        await client.CloseAsync(ticket, closure, Ct);

        var change = sn.Change(ticket.Id);
        Assert.Equal("DBA On Call", change.Fields["assignment_group"]);
        Assert.Equal("dba.lead", change.Fields["assigned_to"]);
        Assert.Equal("4", change.Fields["state"]);
        Assert.Equal("unsuccessful", change.Fields["close_code"]);
        Assert.Contains("by the fallback policy", change.Fields["close_notes"]);
        Assert.Contains("No decision after 15 minutes.", change.WorkNotes);
        Assert.Equal(1, sn.Exchanges.Count(e => e.Method == "PATCH" && e.RequestBody.Contains("close_code", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Rate_limited_query_waits_and_a_missing_record_reports_ServiceNows_words()
    {
        await using var sn = await FakeServiceNow.StartAsync();
        using var client = Basic(sn);
        sn.Faults.Throttle(1, "1", FaultPlan.On("GET", "/api/now/table/change_request"));

        Assert.Null(await client.FindByIdempotencyKeyAsync("tg-nothing", Ct));
        var missing = new TicketRef(TicketSystemKind.ServiceNow, new string('a', 32), "CHG0000000", sn.BaseUrl, "tg-nothing");
        var error = await Assert.ThrowsAsync<TicketSystemException>(() => client.ReadDecisionAsync(missing, Ct));

        Assert.Equal(2, sn.Count("GET", "/api/now/table/change_request") - 1);
        Assert.Equal(HttpStatusCode.NotFound, error.Status);
        Assert.Equal("No Record found (Record doesn't exist or ACL restricts the record retrieval)", error.VendorMessage);
    }
}
