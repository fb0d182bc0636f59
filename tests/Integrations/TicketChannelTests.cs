using System.Globalization;
using System.Net;
using TicketGate.Integrations.Resilience;
using TicketGate.Integrations.Tickets;
using TicketGate.Tests.Fakes;
using TicketGate.Tests.Fakes.Jira;

namespace TicketGate.Tests.Integrations;

public sealed class TicketChannelTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Throttled_call_waits_as_long_as_Retry_After_says_and_then_succeeds()
    {
        await using var jira = await FakeJira.StartAsync();
        using var client = TicketScenario.Cloud(jira);
        var ticket = await client.CreateAsync(TicketScenario.Draft(), Ct);
        jira.Faults.Throttle(1, "1", FaultPlan.On("GET", "/rest/api/3/issue/"));

        var decision = await client.ReadDecisionAsync(ticket, Ct);

        Assert.Equal(TicketVerdict.Pending, decision.Verdict);
        var reads = jira.Exchanges.Where(e => e.Method == "GET" && e.Path.StartsWith("/rest/api/3/issue/", StringComparison.Ordinal)).ToList();
        Assert.Equal([429, 200], reads.Select(r => r.Status));
        Assert.True(reads[1].At - reads[0].At >= TimeSpan.FromMilliseconds(950), $"retried after {(reads[1].At - reads[0].At).TotalMilliseconds} ms");
    }

    [Fact]
    public async Task Retry_After_as_an_HTTP_date_is_honoured_and_a_throttled_create_is_retried()
    {
        await using var jira = await FakeJira.StartAsync();
        using var client = TicketScenario.Cloud(jira);
        var at = DateTimeOffset.UtcNow.AddSeconds(2);
        jira.Faults.Throttle(1, at.ToString("r", CultureInfo.InvariantCulture), FaultPlan.On("POST", "/rest/api/3/issue"));

        await client.CreateAsync(TicketScenario.Draft(), Ct);

        var posts = jira.Exchanges.Where(e => e.Method == "POST" && e.Path == "/rest/api/3/issue").ToList();
        Assert.Equal([429, 201], posts.Select(p => p.Status));
        // The HTTP date has one-second resolution, so the wait is at least one second.
        Assert.True(posts[1].At - posts[0].At >= TimeSpan.FromMilliseconds(950));
        Assert.Single(jira.Issues);
    }

    [Theory]
    [InlineData(400)]
    [InlineData(401)]
    [InlineData(403)]
    [InlineData(404)]
    [InlineData(409)]
    public async Task Client_errors_are_not_retried_and_carry_the_vendor_message(int status)
    {
        await using var jira = await FakeJira.StartAsync();
        using var client = TicketScenario.Cloud(jira);
        var ticket = await client.CreateAsync(TicketScenario.Draft(), Ct);
        jira.Faults.Fail(5, status, FaultPlan.On("PUT", "/rest/api/3/issue/"));

        var error = await Assert.ThrowsAsync<TicketSystemException>(() =>
            client.EscalateAsync(ticket, new TicketEscalation("Please decide.", Assignee: jira.Approver.AccountId), Ct));

        Assert.Equal((HttpStatusCode)status, error.Status);
        Assert.Contains($"Error {status}", error.VendorMessage);
        Assert.Equal(1, jira.Count("PUT", "/rest/api/3/issue/"));
        Assert.True(client.Health.IsAvailable);
    }

    [Fact]
    public async Task Wrong_credentials_fail_at_once_with_Jiras_words_and_no_secret_in_the_message()
    {
        await using var jira = await FakeJira.StartAsync();
        using var client = new TicketGate.Integrations.Jira.JiraCloudClient(TicketScenario.JiraOptions(jira), jira.ServiceAccount.Email,
            () => "wrong-token-value");

        var error = await Assert.ThrowsAsync<TicketSystemException>(() => client.CreateAsync(TicketScenario.Draft(), Ct));

        Assert.Equal(HttpStatusCode.Unauthorized, error.Status);
        Assert.Contains("You are not authenticated", error.Message);
        Assert.Contains("Check the configured credentials", error.Message);
        Assert.DoesNotContain("wrong-token-value", error.ToString());
        Assert.Equal(1, jira.Count("POST", "/rest/api/3/issue"));
    }

    [Fact]
    public async Task Validation_errors_from_Jira_surface_field_by_field()
    {
        await using var jira = await FakeJira.StartAsync();
        var options = TicketScenario.JiraOptions(jira);
        using var client = new TicketGate.Integrations.Jira.JiraCloudClient(new TicketGate.Integrations.Jira.JiraOptions
        {
            BaseUrl = options.BaseUrl, ProjectKey = "NOPE", Channel = options.Channel, CreateOnce = options.CreateOnce,
        }, jira.ServiceAccount.Email, () => jira.ServiceAccount.Token);

        var error = await Assert.ThrowsAsync<TicketSystemException>(() => client.CreateAsync(TicketScenario.Draft(), Ct));

        Assert.Equal(HttpStatusCode.BadRequest, error.Status);
        Assert.Equal("project: valid project is required", error.VendorMessage);
    }

    [Theory]
    [InlineData(502)]
    [InlineData(503)]
    [InlineData(504)]
    public async Task Gateway_errors_on_reads_are_retried(int status)
    {
        await using var jira = await FakeJira.StartAsync();
        using var client = TicketScenario.Cloud(jira);
        var ticket = await client.CreateAsync(TicketScenario.Draft(), Ct);
        jira.Faults.Fail(2, status, FaultPlan.On("GET", "/rest/api/3/issue/"));

        await client.ReadDecisionAsync(ticket, Ct);

        Assert.Equal(3, jira.Count("GET", "/rest/api/3/issue/"));
    }

    [Fact]
    public async Task Repeated_server_errors_open_the_circuit_and_report_the_channel_unavailable()
    {
        await using var jira = await FakeJira.StartAsync();
        using var client = TicketScenario.Cloud(jira);
        var ticket = await client.CreateAsync(TicketScenario.Draft(), Ct);
        jira.Faults.Fail(100, 500, FaultPlan.On("GET", "/rest/api/3/issue/"));

        var first = await Assert.ThrowsAsync<TicketSystemException>(() => client.ReadDecisionAsync(ticket, Ct));
        Assert.Equal(HttpStatusCode.InternalServerError, first.Status);
        Assert.Equal(1, jira.Count("GET", "/rest/api/3/issue/"));
        for (var i = 0; i < 3 && client.Health.IsAvailable; i++)
        {
            await Assert.ThrowsAnyAsync<TicketSystemException>(() => client.ReadDecisionAsync(ticket, Ct));
        }

        Assert.False(client.Health.IsAvailable);
        var before = jira.Exchanges.Count;
        var unavailable = await Assert.ThrowsAsync<TicketChannelUnavailableException>(() => client.ReadDecisionAsync(ticket, Ct));
        Assert.Contains("approval channel is unavailable", unavailable.Message);
        Assert.Equal(before, jira.Exchanges.Count);
    }

    [Fact]
    public async Task A_server_that_is_down_is_retried_then_reported_unavailable()
    {
        var jira = await FakeJira.StartAsync();
        using var client = TicketScenario.Cloud(jira);
        var ticket = await client.CreateAsync(TicketScenario.Draft(), Ct);
        await jira.StopAsync();

        var failure = await Assert.ThrowsAnyAsync<TicketSystemException>(() => client.ReadDecisionAsync(ticket, Ct));

        Assert.Null(failure.Status);
        Assert.False(client.Health.IsAvailable);
        await jira.DisposeAsync();
    }

    [Fact]
    public async Task Half_open_circuit_closes_again_once_the_system_answers()
    {
        await using var jira = await FakeJira.StartAsync();
        var quick = TicketScenario.QuickChannel;
        var channel = new TicketChannelOptions
        {
            MaxRetryAttempts = 0, BaseDelay = quick.BaseDelay, MinimumThroughput = 2, FailureRatio = 0.5,
            SamplingDuration = TimeSpan.FromSeconds(10), BreakDuration = TimeSpan.FromMilliseconds(500), AttemptTimeout = quick.AttemptTimeout,
        };
        using var client = TicketScenario.Cloud(jira, TicketScenario.JiraOptions(jira, channel: channel));
        var ticket = await client.CreateAsync(TicketScenario.Draft(), Ct);
        jira.Faults.Fail(1, 503, FaultPlan.On("GET", "/rest/api/3/issue/"));
        // One success (the create) and one failure reach the minimum throughput at a failure ratio of 0.5.
        await Assert.ThrowsAsync<TicketSystemException>(() => client.ReadDecisionAsync(ticket, Ct));
        Assert.False(client.Health.IsAvailable);

        await Task.Delay(700, Ct);

        Assert.True(client.Health.IsAvailable);
        await client.ReadDecisionAsync(ticket, Ct);
        Assert.True(client.Health.IsAvailable);
    }
}
