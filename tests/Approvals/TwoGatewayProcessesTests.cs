using System.Net;
using TicketGate.Tests.Fixtures;
using TicketGate.Workflows.Approvals;
using static TicketGate.Tests.Approvals.ApprovalGateway;

namespace TicketGate.Tests.Approvals;

/// <summary>Two TicketGate processes on one state database: a decision made in one reaches the command held by the other over NOTIFY.</summary>
public sealed class TwoGatewayProcessesTests(PostgresClusterFixture postgres)
{
    [Fact]
    public async Task Approval_through_another_gateway_process_releases_the_command_held_here()
    {
        await using var here = await StartAsync(postgres);
        await using var there = await GatewayProcess.StartAsync(here);
        var psql = here.PsqlAsync(postgres, here.Token(), ["-c", "DELETE FROM items WHERE id = 3"]);
        var held = await here.WaitForPendingAsync();

        var approval = await there.ApproveAsync(held.Request.Id, here.Token("alice", ["dba"]));
        var result = await psql;

        Assert.True(approval.StatusCode == HttpStatusCode.OK, $"{approval.StatusCode}: {await approval.Content.ReadAsStringAsync()}\n{there.Output}");
        Assert.True(result.ExitCode == 0, result.StandardError);
        Assert.Contains("DELETE 1", result.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(0, await here.CountItemsAsync("id = 3"));
        var decided = (await here.RequestAsync(held.Request.Id))!;
        Assert.Equal(ApprovalStatus.Approved, decided.Status);
        Assert.Equal(["alice"], decided.DecidedBy);
        Assert.False(decided.ByFallback);
        var workflow = await FinishedWorkflowAsync(here, held.Request.Id);
        Assert.Contains("medium-allow", Executed(workflow));
    }
}
