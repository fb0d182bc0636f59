using System.Net;
using TicketGate.Tests.Fixtures;
using TicketGate.Workflows.Approvals;
using static TicketGate.Tests.Approvals.ApprovalGateway;

namespace TicketGate.Tests.Approvals;

/// <summary>Escalation timers, deadlines and the fallback policy of workflows/approval.json, with durations in seconds.</summary>
public sealed class EscalationAndFallbackTests(PostgresClusterFixture postgres)
{
    [Fact]
    public async Task Escalation_lets_a_change_manager_release_the_command()
    {
        await using var gateway = await StartAsync(postgres, variables: [("MediumEscalateAfter", "00:00:01"), ("MediumDeadline", "00:01:00")]);
        var psql = gateway.PsqlAsync(postgres, gateway.Token(), ["-c", "DELETE FROM items WHERE id = 5"]);
        var request = await gateway.WaitForPendingAsync();

        var early = await gateway.ApproveAsync(request.Request.Id, "carol");
        var escalated = await gateway.WaitForPendingAsync(r => r.Request.ApproverGroups.Contains("change-managers"));
        var approval = await gateway.ApproveAsync(request.Request.Id, "carol");
        var result = await psql;

        Assert.Equal(HttpStatusCode.Forbidden, early.StatusCode);
        Assert.Equal(["dba", "change-managers"], escalated.Request.ApproverGroups);
        Assert.Equal(HttpStatusCode.OK, approval.StatusCode);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(0, await CountAsync(gateway, "SELECT count(*) FROM items WHERE id = 5"));
        Assert.Equal(["carol"], (await gateway.RequestAsync(request.Request.Id))!.DecidedBy);
        var workflow = await FinishedWorkflowAsync(gateway, request.Request.Id);
        Assert.Contains(workflow.Journal, e => e.ActivityId == "medium-escalate" && e.Message?.StartsWith("Escalated to change-managers", StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task Approval_before_the_escalation_drops_its_timer()
    {
        await using var gateway = await StartAsync(postgres, variables: [("MediumEscalateAfter", "00:00:02")]);
        var psql = gateway.PsqlAsync(postgres, gateway.Token(), ["-c", "DELETE FROM items WHERE id = 6"]);
        var request = await gateway.WaitForPendingAsync();

        await gateway.ApproveAsync(request.Request.Id, "alice");
        await psql;
        await Task.Delay(2500);

        var workflow = await FinishedWorkflowAsync(gateway, request.Request.Id);
        Assert.DoesNotContain(workflow.Journal, e => e.ActivityId == "medium-escalate" && e.EventName == "Completed");
        Assert.Equal(["dba"], (await gateway.RequestAsync(request.Request.Id))!.Request.ApproverGroups);
    }

    [Fact]
    public async Task No_decision_by_the_deadline_makes_the_fallback_block_a_medium_command()
    {
        await using var gateway = await StartAsync(postgres, variables: [("MediumDeadline", "00:00:02")]);

        var result = await gateway.PsqlAsync(postgres, gateway.Token(), ["-c", "DELETE FROM items WHERE id = 7"]);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("denied by its approval workflow (fallback policy): no approver decided within 00:00:02; " +
                        "the fallback policy allows only up to low tier, this is medium", result.StandardError, StringComparison.Ordinal);
        Assert.Equal(1, await CountAsync(gateway, "SELECT count(*) FROM items WHERE id = 7"));
        var decided = await OnlyRequestAsync(gateway);
        Assert.Equal(ApprovalStatus.Rejected, decided.Status);
        Assert.True(decided.ByFallback);
    }

    [Fact]
    public async Task Fallback_allowing_up_to_medium_runs_a_medium_command_after_the_deadline()
    {
        await using var gateway = await StartAsync(postgres, variables: [("MediumDeadline", "00:00:02"), ("MediumFallbackAllowUpTo", "medium")]);

        var result = await gateway.PsqlAsync(postgres, gateway.Token(), ["-c", "DELETE FROM items WHERE id = 8"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("DELETE 1", result.StandardOutput, StringComparison.Ordinal);
        var decided = await OnlyRequestAsync(gateway);
        Assert.Equal(ApprovalStatus.Approved, decided.Status);
        Assert.True(decided.ByFallback);
        Assert.Empty(decided.DecidedBy);
        Assert.Contains("allows medium tier", decided.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task High_command_without_two_approvals_by_the_deadline_is_blocked()
    {
        await using var gateway = await StartAsync(postgres, new TicketDeskDouble(), variables: [("HighDeadline", "00:00:02"), ("MediumFallbackAllowUpTo", "high")]);
        var psql = gateway.PsqlAsync(postgres, gateway.Token(), ["-c", "ANALYZE items"]);
        var request = await gateway.WaitForPendingAsync();

        var one = await gateway.ApproveAsync(request.Request.Id, "alice");
        var result = await psql;

        Assert.Equal(HttpStatusCode.Accepted, one.StatusCode);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("(fallback policy): no decision within 00:00:02; the fallback policy blocks", result.StandardError, StringComparison.Ordinal);
        var decided = (await gateway.RequestAsync(request.Request.Id))!;
        Assert.True(decided.ByFallback);
        Assert.Equal("OPS-1", decided.TicketKey);
    }

    [Fact]
    public async Task Unreachable_ticket_system_makes_the_fallback_block_a_high_command()
    {
        var tickets = new TicketDeskDouble { Acts = TicketDeskDouble.Behaviour.Unreachable };
        await using var gateway = await StartAsync(postgres, tickets);

        var result = await gateway.PsqlAsync(postgres, gateway.Token(), ["-c", "ANALYZE items"]);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("(fallback policy): the ticket system could not be reached; the fallback policy blocks", result.StandardError, StringComparison.Ordinal);
        var decided = await OnlyRequestAsync(gateway);
        Assert.Equal(ApprovalStatus.Rejected, decided.Status);
        Assert.True(decided.ByFallback);
        Assert.Null(decided.TicketKey);
        var workflow = await FinishedWorkflowAsync(gateway, decided.Request.Id);
        Assert.Equal(["start", "tier", "high-ticket-system", "high-jira", "high-unavailable", "high-unavailable-deny"], Executed(workflow));
    }
}
