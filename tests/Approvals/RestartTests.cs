using TicketGate.Tests.Fixtures;
using TicketGate.Workflows.Approvals;
using TicketGate.Workflows.Runtime;
using static TicketGate.Tests.Approvals.ApprovalGateway;

namespace TicketGate.Tests.Approvals;

/// <summary>A gateway that dies while a command is held, and the gateway started after it on the same state database.</summary>
public sealed class RestartTests(PostgresClusterFixture postgres)
{
    [Fact]
    public async Task Restart_withdraws_the_command_a_crashed_gateway_held_cancels_its_workflow_and_its_due_timers_release_nothing()
    {
        // Deadline → fallback allows medium: had the due deadline decided the orphan, the request would read approved.
        var gateway = await StartAsync(postgres, variables: [("MediumEscalateAfter", "00:00:02"), ("MediumDeadline", "00:00:03"), ("MediumFallbackAllowUpTo", "medium")]);
        try
        {
            var psql = gateway.PsqlAsync(postgres, gateway.Token(), ["-c", "DELETE FROM items WHERE id = 4"]);
            var held = await gateway.WaitForPendingAsync();
            // The request row is written before its workflow starts: wait until the instance is there and waiting.
            var waiting = await gateway.WorkflowOfAsync(held.Request.Id);
            for (var i = 0; i < 200 && waiting?.SubStatus != WorkflowSubStatus.Suspended; i++)
            {
                await Task.Delay(50);
                waiting = await gateway.WorkflowOfAsync(held.Request.Id);
            }

            gateway = await gateway.CrashAndRestartAsync(beforeStart: () => Task.Delay(TimeSpan.FromSeconds(4)));
            var cutOff = await psql;
            // Room for the timers that fell due while no host ran: whatever they do, they must release nothing.
            await Task.Delay(TimeSpan.FromSeconds(3));

            Assert.Equal(WorkflowSubStatus.Suspended, waiting!.SubStatus);
            Assert.NotEqual(0, cutOff.ExitCode);
            var withdrawn = (await gateway.RequestAsync(held.Request.Id))!;
            Assert.Equal(ApprovalStatus.Withdrawn, withdrawn.Status);
            // The crashed host's own stop may withdraw it first; either way the command was withdrawn, not released.
            Assert.Contains(withdrawn.Reason, new[]
            {
                "TicketGate restarted while the command was held", "TicketGate ended the session while the command was held", "the client disconnected",
            });
            Assert.False(withdrawn.ByFallback);
            Assert.Empty(withdrawn.DecidedBy);
            Assert.Equal(1, await gateway.CountItemsAsync("id = 4"));

            // Whichever host withdrew it, the instance does not stay waiting: the restarted host cancels it.
            var ended = await gateway.WorkflowOfAsync(held.Request.Id);
            Assert.Equal(WorkflowSubStatus.Cancelled, ended?.SubStatus);

            var after = await gateway.PsqlAsync(postgres, gateway.Token(), ["-c", "SELECT name FROM items WHERE id = 4"]);
            Assert.Equal(0, after.ExitCode);
        }
        finally
        {
            await gateway.DisposeAsync();
        }
    }
}
