using System.Text;
using TicketGate.Integrations.Tickets;
using TicketGate.Integrations.Webhooks;
using TicketGate.Tests.Fakes.Jira;
using TicketGate.Tests.Fakes.ServiceNow;

namespace TicketGate.Tests.Integrations;

public sealed class WebhookTests
{
    private const string Secret = "jira-webhook-secret";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static JiraWebhookVerifier SignedVerifier(IWebhookDeliveryLog? log = null) =>
        new(new JiraWebhookOptions { Secret = () => Secret }, log ?? new BoundedDeliveryLog());

    [Fact]
    public async Task Signed_status_change_becomes_a_reconcile_request_and_the_reconciler_finds_the_approver()
    {
        await using var jira = await FakeJira.StartAsync();
        await using var inbox = await WebhookInbox.StartAsync(SignedVerifier());
        jira.WebhookUrl = new Uri(inbox.BaseUrl, "webhooks/jira");
        jira.WebhookSecret = Secret;
        using var client = TicketScenario.Cloud(jira);
        var ticket = await client.CreateAsync(TicketScenario.Draft(), Ct);

        await jira.MoveAsync(ticket.Key, "Approved", jira.Approver);

        var verdict = await inbox.NextAsync();
        Assert.Equal(WebhookOutcome.Accepted, verdict.Outcome);
        Assert.Equal(new ReconcileRequest(TicketFamily.Jira, ticket.Id, ticket.Key, "Approved", TicketVerdict.Approved), verdict.Request);
        var decision = await new TicketReconciler(client).ReconcileAsync(ticket, verdict.Request!.HintedVerdict, Ct);
        Assert.Equal(TicketVerdict.Approved, decision.Verdict);
        Assert.Equal(jira.Approver.Email, Assert.Single(decision.DecidedBy).Email);
        Assert.Equal(200, jira.WebhookResults.Single().Status);
    }

    [Fact]
    public async Task Wrong_or_missing_signature_is_refused_with_401()
    {
        await using var jira = await FakeJira.StartAsync();
        await using var inbox = await WebhookInbox.StartAsync(SignedVerifier());
        jira.WebhookUrl = new Uri(inbox.BaseUrl, "webhooks/jira");
        using var client = TicketScenario.Cloud(jira);
        var ticket = await client.CreateAsync(TicketScenario.Draft(), Ct);

        jira.WebhookSecret = "someone-elses-secret";
        var forged = await jira.MoveAsync(ticket.Key, "Approved", jira.Approver);
        jira.WebhookSecret = null;
        var unsigned = await jira.SendWebhookAsync(forged);

        Assert.Equal(WebhookOutcome.Unauthorized, (await inbox.NextAsync()).Outcome);
        Assert.Equal(WebhookOutcome.Unauthorized, (await inbox.NextAsync()).Outcome);
        Assert.Equal(401, unsigned);
    }

    [Fact]
    public void Signature_over_other_bytes_fails_even_when_the_JSON_means_the_same()
    {
        var body = Encoding.UTF8.GetBytes("""{"webhookEvent":"jira:issue_updated","issue":{"id":"1","key":"GATE-1"}}""");
        var signature = SharedSecret.Sign(body, Secret);
        var reformatted = Encoding.UTF8.GetBytes("""{ "webhookEvent": "jira:issue_updated", "issue": {"id":"1","key":"GATE-1"}}""");
        var verifier = SignedVerifier();

        Assert.Equal(WebhookOutcome.Accepted, verifier.Verify(body, h => h == JiraWebhookVerifier.SignatureHeader ? signature : null, null, DateTimeOffset.UtcNow).Outcome);
        Assert.Equal(WebhookOutcome.Unauthorized, verifier.Verify(reformatted, h => h == JiraWebhookVerifier.SignatureHeader ? signature : null, null, DateTimeOffset.UtcNow).Outcome);
        Assert.Equal(WebhookOutcome.Unauthorized, verifier.Verify(body, h => h == JiraWebhookVerifier.SignatureHeader ? "sha256=zz" : null, null, DateTimeOffset.UtcNow).Outcome);
    }

    [Fact]
    public async Task Duplicate_delivery_is_answered_200_but_queued_once()
    {
        await using var jira = await FakeJira.StartAsync();
        await using var inbox = await WebhookInbox.StartAsync(SignedVerifier());
        jira.WebhookUrl = new Uri(inbox.BaseUrl, "webhooks/jira");
        jira.WebhookSecret = Secret;
        using var client = TicketScenario.Cloud(jira);
        var ticket = await client.CreateAsync(TicketScenario.Draft(), Ct);

        var delivery = await jira.MoveAsync(ticket.Key, "Approved", jira.Approver);
        var retried = await jira.SendWebhookAsync(delivery, retry: 1);

        Assert.Equal(WebhookOutcome.Accepted, (await inbox.NextAsync()).Outcome);
        Assert.Equal(WebhookOutcome.Duplicate, (await inbox.NextAsync()).Outcome);
        Assert.Equal(200, retried);
    }

    [Fact]
    public async Task Without_a_secret_the_URL_token_is_what_counts()
    {
        await using var jira = await FakeJira.StartAsync();
        var verifier = new JiraWebhookVerifier(new JiraWebhookOptions { UrlToken = () => "url-token-123" }, new BoundedDeliveryLog());
        await using var inbox = await WebhookInbox.StartAsync(verifier);
        using var client = TicketScenario.DataCenter(jira);
        var ticket = await client.CreateAsync(TicketScenario.Draft(), Ct);

        jira.WebhookUrl = new Uri(inbox.BaseUrl, "webhooks/jira/url-token-123");
        await jira.MoveAsync(ticket.Key, "Declined", jira.Approver);
        jira.WebhookUrl = new Uri(inbox.BaseUrl, "webhooks/jira/guessed");
        await jira.MoveAsync(ticket.Key, "Approved", jira.Approver);

        var accepted = await inbox.NextAsync();
        Assert.Equal(WebhookOutcome.Accepted, accepted.Outcome);
        Assert.Equal(TicketVerdict.Rejected, accepted.Request!.HintedVerdict);
        Assert.Equal(WebhookOutcome.Unauthorized, (await inbox.NextAsync()).Outcome);
    }

    [Fact]
    public async Task Webhook_claiming_approval_while_the_issue_is_pending_releases_nothing()
    {
        await using var jira = await FakeJira.StartAsync();
        await using var inbox = await WebhookInbox.StartAsync(SignedVerifier());
        jira.WebhookUrl = new Uri(inbox.BaseUrl, "webhooks/jira");
        jira.WebhookSecret = Secret;
        using var client = TicketScenario.Cloud(jira);
        var ticket = await client.CreateAsync(TicketScenario.Draft(), Ct);

        await jira.SendWebhookAsync(jira.ContradictingDelivery(ticket.Key, "Approved", jira.Approver));

        var verdict = await inbox.NextAsync();
        Assert.Equal(TicketVerdict.Approved, verdict.Request!.HintedVerdict);
        var reconciler = new TicketReconciler(client, new ReconcileOptions
        {
            ConfirmInterval = TimeSpan.FromMilliseconds(100), ConfirmWindow = TimeSpan.FromMilliseconds(450),
        });
        var decision = await reconciler.ReconcileAsync(ticket, verdict.Request.HintedVerdict, Ct);
        Assert.Equal(TicketVerdict.Pending, decision.Verdict);
        Assert.InRange(jira.Count("GET", $"/rest/api/3/issue/{ticket.Id}"), 4, 7);
    }

    [Fact]
    public async Task Late_and_reordered_deliveries_are_judged_by_the_issue_as_it_is_now()
    {
        await using var jira = await FakeJira.StartAsync();
        await using var inbox = await WebhookInbox.StartAsync(SignedVerifier());
        jira.WebhookUrl = new Uri(inbox.BaseUrl, "webhooks/jira");
        jira.WebhookSecret = Secret;
        using var client = TicketScenario.Cloud(jira);
        var ticket = await client.CreateAsync(TicketScenario.Draft(), Ct);
        var approved = await jira.MoveAsync(ticket.Key, "Approved", jira.Approver, send: false);
        var reopened = await jira.MoveAsync(ticket.Key, "Waiting for approval", jira.SecondApprover, send: false);

        await jira.SendWebhookAsync(reopened);
        await jira.SendWebhookAsync(approved);

        var first = await inbox.NextAsync();
        var late = await inbox.NextAsync();
        Assert.Equal(TicketVerdict.Pending, first.Request!.HintedVerdict);
        Assert.Equal(TicketVerdict.Approved, late.Request!.HintedVerdict);
        var reconciler = new TicketReconciler(client, new ReconcileOptions { ConfirmInterval = TimeSpan.FromMilliseconds(50), ConfirmWindow = TimeSpan.FromMilliseconds(100) });
        Assert.Equal(TicketVerdict.Pending, (await reconciler.ReconcileAsync(ticket, late.Request.HintedVerdict, Ct)).Verdict);
    }

    [Fact]
    public void Delivery_log_forgets_after_its_retention_and_stays_within_capacity()
    {
        var log = new BoundedDeliveryLog(capacity: 3, retention: TimeSpan.FromHours(1));
        var now = DateTimeOffset.UtcNow;

        Assert.True(log.TryRecord("a", now));
        Assert.False(log.TryRecord("a", now.AddMinutes(30)));
        Assert.True(log.TryRecord("a", now.AddMinutes(61)));
        for (var i = 0; i < 10; i++) log.TryRecord($"id-{i}", now.AddMinutes(62));
        Assert.True(log.Count <= 3);
    }

    [Fact]
    public async Task ServiceNow_business_rule_post_needs_the_shared_secret_and_is_deduplicated()
    {
        await using var sn = await FakeServiceNow.StartAsync();
        var verifier = new ServiceNowWebhookVerifier(new ServiceNowWebhookOptions { Secret = () => "sn-shared-secret" }, new BoundedDeliveryLog());
        await using var inbox = await WebhookInbox.StartAsync(serviceNow: verifier);
        sn.WebhookUrl = new Uri(inbox.BaseUrl, "webhooks/servicenow");
        sn.WebhookSecret = "sn-shared-secret";
        using var client = new TicketGate.Integrations.ServiceNow.ServiceNowClient(TicketScenario.ServiceNowOptions(sn.BaseUrl),
            sn.Integration.UserName, () => sn.Integration.Password);
        var ticket = await client.CreateAsync(TicketScenario.Draft(), Ct);

        await sn.DecideAsync(ticket.Id, sn.Approver, approve: true);
        var again = await sn.FireBusinessRuleAsync(sn.BusinessRulePayloadOf(ticket.Id));
        sn.WebhookSecret = "wrong";
        var forged = await sn.FireBusinessRuleAsync(sn.BusinessRulePayloadOf(ticket.Id));

        var accepted = await inbox.NextAsync();
        Assert.Equal(new ReconcileRequest(TicketFamily.ServiceNow, ticket.Id, ticket.Key, "approved", TicketVerdict.Approved), accepted.Request);
        Assert.Equal(WebhookOutcome.Duplicate, (await inbox.NextAsync()).Outcome);
        Assert.Equal(WebhookOutcome.Unauthorized, (await inbox.NextAsync()).Outcome);
        Assert.Equal((200, 401), (again, forged));
        Assert.Equal(TicketVerdict.Approved, (await new TicketReconciler(client).ReconcileAsync(ticket, accepted.Request!.HintedVerdict, Ct)).Verdict);
    }
}
