using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using TicketGate.Tests.Fixtures;
using TicketGate.Workflows.Approvals;
using TicketGate.Workflows.Ticketing;
using static TicketGate.Tests.Approvals.ApprovalGateway;
using static TicketGate.Tests.Workflows.Studio;

namespace TicketGate.Tests.Approvals;

/// <summary>A connection whose commands are decided in the ticket system: the ticket's approval or rejection releases or denies.</summary>
public sealed class TicketDecisionTests(PostgresClusterFixture postgres)
{
    private static readonly ApprovalWorkflowBindings Bindings = new()
    {
        Connections = new Dictionary<string, ApprovalWorkflowBinding> { [GatewayFixture.Connection] = new() { DefinitionId = "ticket-approval" } },
    };

    private static JsonObject TicketApproval() => Definition("ticket-approval",
        Array(Activity("start", "Elsa.Start"),
              Activity("open", "TicketGate.OpenJiraIssue", ("project", Literal("String", "OPS"))),
              Activity("wait", "TicketGate.WaitForTicketDecision"),
              Activity("allow", "TicketGate.Allow"),
              Activity("deny", "TicketGate.Deny"),
              Activity("fallback", "TicketGate.FallbackPolicy", ("mode", Literal("String", "Block"))),
              Activity("fallback-deny", "TicketGate.Deny")),
        Array(Connect("start", "Done", "open"), Connect("open", "Opened", "wait"), Connect("open", "Unavailable", "fallback"),
              Connect("wait", "Approved", "allow"), Connect("wait", "Rejected", "deny"), Connect("wait", "Unavailable", "fallback"),
              Connect("fallback", "Denied", "fallback-deny")));

    [Fact]
    public async Task Ticket_approved_in_the_ticket_system_releases_the_command()
    {
        var tickets = new TicketDeskDouble();
        await using var gateway = await StartAsync(postgres, tickets, Bindings, [TicketApproval()]);
        var psql = gateway.PsqlAsync(postgres, gateway.Token(), ["-c", "DELETE FROM items WHERE id = 4"]);
        var request = await gateway.WaitForPendingAsync();

        var resumed = await Report(gateway, new TicketDecision("OPS-1", TicketDecisionStatus.Approved, "jane.cab"));
        var again = await Report(gateway, new TicketDecision("OPS-1", TicketDecisionStatus.Rejected, "joe", "too late"));
        var result = await psql;

        Assert.Equal((1, 0), (resumed, again));
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("OPS", Assert.Single(tickets.Requests).Queue);
        var decided = (await gateway.RequestAsync(request.Request.Id))!;
        Assert.Equal((ApprovalStatus.Approved, "OPS-1"), (decided.Status, decided.TicketKey));
        Assert.Equal(["jane.cab"], decided.DecidedBy);
    }

    [Fact]
    public async Task Ticket_rejected_in_the_ticket_system_denies_with_its_reason()
    {
        await using var gateway = await StartAsync(postgres, new TicketDeskDouble(), Bindings, [TicketApproval()]);
        var psql = gateway.PsqlAsync(postgres, gateway.Token(), ["-c", "DELETE FROM items WHERE id = 5"]);
        await gateway.WaitForPendingAsync();

        await Report(gateway, new TicketDecision("OPS-1", TicketDecisionStatus.Rejected, "jane.cab", "no change window"));
        var result = await psql;

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("rejected by jane.cab: rejected in OPS-1: no change window", result.StandardError, StringComparison.Ordinal);
        Assert.Equal(1, await CountAsync(gateway, "SELECT count(*) FROM items WHERE id = 5"));
    }

    [Fact]
    public async Task Ticket_system_that_stops_answering_leaves_the_decision_to_the_fallback()
    {
        await using var gateway = await StartAsync(postgres, new TicketDeskDouble(), Bindings, [TicketApproval()]);
        var psql = gateway.PsqlAsync(postgres, gateway.Token(), ["-c", "DELETE FROM items WHERE id = 6"]);
        await gateway.WaitForPendingAsync();

        await Report(gateway, new TicketDecision("OPS-1", TicketDecisionStatus.Unavailable, Reason: "Jira unreachable for 10 minutes"));
        var result = await psql;

        Assert.NotEqual(0, result.ExitCode);
        Assert.True(result.StandardError.Contains("(fallback policy): the ticket system could not report on OPS-1 (Jira unreachable for 10 minutes); the fallback policy blocks",
            StringComparison.Ordinal), result.StandardError);
        Assert.True((await OnlyRequestAsync(gateway)).ByFallback);
    }

    private static Task<int> Report(GatewayFixture gateway, TicketDecision decision) =>
        gateway.Services.GetRequiredService<TicketDecisions>().ReportAsync(decision, CancellationToken.None);
}
