using System.Net;
using Microsoft.Extensions.DependencyInjection;
using TicketGate.Tests.Fixtures;
using TicketGate.Workflows.Approvals;
using static TicketGate.Tests.Approvals.ApprovalGateway;

namespace TicketGate.Tests.Approvals;

/// <summary>Each risk tier's path through workflows/approval.json, end to end through the real psql.</summary>
public sealed class TierPathTests(PostgresClusterFixture postgres)
{
    [Fact]
    public async Task Low_tier_read_passes_straight_through_without_a_request()
    {
        await using var gateway = await StartAsync(postgres);

        var result = await gateway.PsqlAsync(postgres, gateway.Token(), ["-At", "-c", "SELECT count(*) FROM items"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("10", result.StandardOutput.Trim());
        Assert.Empty(await gateway.Services.GetRequiredService<ApprovalRequestStore>().ListAsync(null, 10));
    }

    [Fact]
    public async Task Medium_delete_runs_once_one_approver_of_the_connection_approves()
    {
        await using var gateway = await StartAsync(postgres);
        var psql = gateway.PsqlAsync(postgres, gateway.Token(), ["-c", "DELETE FROM items WHERE id = 3"]);
        var request = await gateway.WaitForPendingAsync();

        var approval = await gateway.ApproveAsync(request.Request.Id, "alice");
        var result = await psql;

        Assert.Equal(HttpStatusCode.OK, approval.StatusCode);
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("DELETE 1", result.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(0, await CountAsync(gateway, "SELECT count(*) FROM items WHERE id = 3"));
        var decided = (await gateway.RequestAsync(request.Request.Id))!;
        Assert.Equal(ApprovalStatus.Approved, decided.Status);
        Assert.Equal(["alice"], decided.DecidedBy);
        Assert.False(decided.ByFallback);
        var workflow = await FinishedWorkflowAsync(gateway, request.Request.Id);
        Assert.Equal(["start", "tier", "medium-fork", "medium-approval", "medium-allow"], Executed(workflow));
        Assert.Empty(workflow.Bookmarks);
    }

    [Fact]
    public async Task Requester_in_the_approver_group_cannot_approve_their_own_command()
    {
        await using var gateway = await StartAsync(postgres);
        var psql = gateway.PsqlAsync(postgres, gateway.Token("bob", ["agents", "dba"]), ["-c", "DELETE FROM items WHERE id = 4"], connInfo: gateway.PsqlConnInfo("bob"));
        var request = await gateway.WaitForPendingAsync();

        var own = await gateway.ApproveAsync(request.Request.Id, "bob");
        var other = await gateway.ApproveAsync(request.Request.Id, "alice");
        var result = await psql;

        Assert.Equal(HttpStatusCode.Forbidden, own.StatusCode);
        Assert.Contains("can't decide it", await own.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(["alice"], (await gateway.RequestAsync(request.Request.Id))!.DecidedBy);
    }

    [Fact]
    public async Task High_tier_opens_a_jira_issue_and_needs_two_distinct_approvers()
    {
        var tickets = new TicketDeskDouble();
        await using var gateway = await StartAsync(postgres, tickets);
        var psql = gateway.PsqlAsync(postgres, gateway.Token(), ["-c", "ANALYZE items"]);
        var request = await gateway.WaitForPendingAsync();
        Assert.Equal(RiskTier.High, request.Request.Tier);

        var first = await gateway.ApproveAsync(request.Request.Id, "alice");
        var again = await gateway.ApproveAsync(request.Request.Id, "alice");
        await Task.Delay(300);
        Assert.False(psql.IsCompleted, "one approver released a high-tier command");
        var second = await gateway.ApproveAsync(request.Request.Id, "bob");
        var result = await psql;

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Contains("already approved", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("ANALYZE", result.StandardOutput, StringComparison.Ordinal);
        var ticket = Assert.Single(tickets.Requests);
        Assert.Equal(TicketSystems.Jira, ticket.System);
        Assert.Equal(request.Request.Id, ticket.RequestId);
        Assert.Contains("ANALYZE items", ticket.Description, StringComparison.Ordinal);
        var decided = (await gateway.RequestAsync(request.Request.Id))!;
        Assert.Equal(ApprovalStatus.Approved, decided.Status);
        Assert.Equal(["alice", "bob"], decided.DecidedBy);
        Assert.Equal("OPS-1", decided.TicketKey);
    }

    [Fact]
    public async Task Two_approvals_at_the_same_moment_both_count()
    {
        await using var gateway = await StartAsync(postgres, new TicketDeskDouble());
        var psql = gateway.PsqlAsync(postgres, gateway.Token(), ["-c", "ANALYZE items"]);
        var request = await gateway.WaitForPendingAsync();

        var votes = await Task.WhenAll(gateway.ApproveAsync(request.Request.Id, "alice"), gateway.ApproveAsync(request.Request.Id, "bob"));
        var result = await psql;

        Assert.Equal(0, result.ExitCode);
        Assert.Contains(votes, v => v.StatusCode == HttpStatusCode.OK);
        var decided = (await gateway.RequestAsync(request.Request.Id))!;
        Assert.Equal(ApprovalStatus.Approved, decided.Status);
        Assert.Equal(["alice", "bob"], decided.DecidedBy.Order());
    }

    [Fact]
    public async Task High_tier_on_a_servicenow_connection_opens_a_change_instead()
    {
        var tickets = new TicketDeskDouble();
        var bindings = new ApprovalWorkflowBindings
        {
            Connections = new Dictionary<string, ApprovalWorkflowBinding> { [GatewayFixture.Connection] = new() { TicketSystem = TicketSystems.ServiceNow } },
        };
        await using var gateway = await StartAsync(postgres, tickets, bindings);
        var psql = gateway.PsqlAsync(postgres, gateway.Token(), ["-c", "ANALYZE items"]);
        var request = await gateway.WaitForPendingAsync();

        await gateway.ApproveAsync(request.Request.Id, "alice");
        await gateway.ApproveAsync(request.Request.Id, "bob");
        var result = await psql;

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(TicketSystems.ServiceNow, Assert.Single(tickets.Requests).System);
        Assert.Equal("CHG0000001", (await gateway.RequestAsync(request.Request.Id))!.TicketKey);
        var workflow = await FinishedWorkflowAsync(gateway, request.Request.Id);
        Assert.Contains("high-servicenow", Executed(workflow));
        Assert.DoesNotContain("high-jira", Executed(workflow));
    }

    [Fact]
    public async Task Critical_privilege_change_is_refused_at_once()
    {
        await using var gateway = await StartAsync(postgres);

        var result = await gateway.PsqlAsync(postgres, gateway.Token(), ["-c", "GRANT SELECT ON items TO PUBLIC"]);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("tier critical", result.StandardError, StringComparison.Ordinal);
        Assert.Empty(await gateway.Services.GetRequiredService<ApprovalRequestStore>().ListAsync(ApprovalStatus.Pending, 10));
    }

    [Theory]
    [InlineData(RiskTier.Critical, ApprovalStatus.Rejected, "critical tier, which is never run")]
    [InlineData(RiskTier.Low, ApprovalStatus.Approved, "low risk")]
    public async Task Workflow_decides_low_and_critical_requests_before_submit_returns(RiskTier tier, ApprovalStatus expected, string reason)
    {
        await using var gateway = await StartAsync(postgres);
        var gate = gateway.Services.GetRequiredService<IApprovalGate>();

        var pending = await gate.SubmitAsync(Request(tier), CancellationToken.None);

        Assert.True(pending.Decision.IsCompleted);
        var decision = await pending.Decision;
        Assert.Equal(expected, decision.Status);
        Assert.Contains(reason, decision.Reason, StringComparison.Ordinal);
        Assert.Equal(expected, (await gateway.RequestAsync(pending.RequestId))!.Status);
    }
}
