using System.Net;
using Microsoft.Extensions.DependencyInjection;
using TicketGate.Tests.Fixtures;
using TicketGate.Workflows.Approvals;
using TicketGate.Workflows.Runtime;
using static TicketGate.Tests.Approvals.ApprovalGateway;

namespace TicketGate.Tests.Approvals;

/// <summary>When the workflow can't decide properly, or decides too late, nothing is run.</summary>
public sealed class FailClosedTests(PostgresClusterFixture postgres)
{
    [Fact]
    public async Task Activity_that_throws_denies_the_command_with_a_reason_naming_it()
    {
        var tickets = new TicketDeskDouble { Acts = TicketDeskDouble.Behaviour.Broken };
        await using var gateway = await StartAsync(postgres, tickets);

        var result = await gateway.PsqlAsync(postgres, gateway.Token(), ["-c", "ANALYZE items"]);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("denied by its approval workflow: the approval workflow 'approval' failed, so the command was not run: " +
                        "Activity 'high-jira' (TicketGate.OpenJiraIssue) failed: jira answered 500 Internal Server Error",
            result.StandardError, StringComparison.Ordinal);
        var decided = await OnlyRequestAsync(gateway);
        Assert.Equal(ApprovalStatus.Rejected, decided.Status);
        var workflow = await FinishedWorkflowAsync(gateway, decided.Request.Id);
        Assert.Equal(WorkflowSubStatus.Faulted, workflow.SubStatus);
        var incident = Assert.Single(workflow.Incidents);
        Assert.Equal("high-jira", incident.ActivityId);
        Assert.Empty(workflow.Bookmarks);
    }

    [Fact]
    public async Task Unpublished_approval_workflow_denies_the_command()
    {
        await using var gateway = await StartAsync(postgres, bindings: new ApprovalWorkflowBindings { DefaultDefinitionId = "no-such-workflow" });

        var result = await gateway.PsqlAsync(postgres, gateway.Token(), ["-c", "DELETE FROM items WHERE id = 2"]);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("could not start the approval workflow 'no-such-workflow'", result.StandardError, StringComparison.Ordinal);
        Assert.Equal(1, await CountAsync(gateway, "SELECT count(*) FROM items WHERE id = 2"));
    }

    [Fact]
    public async Task Approval_after_the_client_left_releases_nothing_and_the_withdrawal_is_recorded()
    {
        await using var gateway = await StartAsync(postgres, variables: [("MediumEscalateAfter", "00:00:05")]);
        var psql = gateway.PsqlAsync(postgres, gateway.Token(), ["-c", "DELETE FROM items WHERE id = 3"], timeout: TimeSpan.FromSeconds(3));
        var request = await gateway.WaitForPendingAsync();

        await Assert.ThrowsAnyAsync<Exception>(() => psql);
        var withdrawn = await gateway.WaitForDecisionAsync(request.Request.Id);
        var late = await gateway.ApproveAsync(request.Request.Id, "alice");
        await Task.Delay(2500);

        Assert.Equal(ApprovalStatus.Withdrawn, withdrawn.Status);
        Assert.Equal("the client disconnected", withdrawn.Reason);
        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
        Assert.Contains("already withdrawn", await late.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(1, await CountAsync(gateway, "SELECT count(*) FROM items WHERE id = 3"));
        var workflow = (await gateway.WorkflowOfAsync(request.Request.Id))!;
        Assert.Equal(WorkflowSubStatus.Cancelled, workflow.SubStatus);
        Assert.Empty(workflow.Bookmarks);
        // The escalation timer went with the instance: nobody is asked about a command that is gone.
        Assert.Equal(["dba"], (await gateway.RequestAsync(request.Request.Id))!.Request.ApproverGroups);
    }

    [Fact]
    public async Task Workflow_decision_after_the_request_was_withdrawn_is_recorded_and_releases_nothing()
    {
        await using var gateway = await StartAsync(postgres, variables: [("MediumDeadline", "00:00:01"), ("MediumFallbackAllowUpTo", "medium")]);
        var gate = gateway.Services.GetRequiredService<IApprovalGate>();
        var store = gateway.Services.GetRequiredService<ApprovalRequestStore>();
        var pending = await gate.SubmitAsync(Request(RiskTier.Medium), CancellationToken.None);

        // Withdrawn as a session in another process would withdraw it, without cancelling the workflow here.
        await store.TryDecideAsync(new ApprovalDecision { RequestId = pending.RequestId, Status = ApprovalStatus.Withdrawn, Reason = "the client disconnected" });
        var workflow = await FinishedWorkflowAsync(gateway, pending.RequestId);

        Assert.False(pending.Decision.IsCompleted);
        Assert.Equal(ApprovalStatus.Withdrawn, (await gateway.RequestAsync(pending.RequestId))!.Status);
        Assert.Equal("approved", workflow.Output[DecisionNotes.DecisionOutput]?.ToString());
        Assert.Contains(workflow.Journal, e => e.ActivityId == "medium-fallback-allow" && e.EventName == "Log" &&
            e.Message!.Contains("was already withdrawn; that earlier outcome stands and nothing was released", StringComparison.Ordinal));
    }
}
