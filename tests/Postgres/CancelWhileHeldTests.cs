using System.Diagnostics;
using Npgsql;
using TicketGate.Tests.Fixtures;
using TicketGate.Workflows.Approvals;

namespace TicketGate.Tests.Postgres;

/// <summary>A client that gives up on a held statement withdraws its request; one that cancels a running statement stops it upstream.</summary>
public sealed class CancelWhileHeldTests(PostgresClusterFixture postgres) : GatewayTest(postgres)
{
    [Fact]
    public async Task Cancel_while_held_withdraws_the_request_and_the_session_stays_usable()
    {
        await using var connection = await Gateway.OpenAsync();
        await using var delete = new NpgsqlCommand("DELETE FROM items WHERE id = 4", connection);
        var run = delete.ExecuteNonQueryAsync();
        var request = await Gateway.WaitForPendingAsync();

        delete.Cancel();
        var cancelled = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);

        Assert.Equal("57014", Assert.IsType<PostgresException>(cancelled.InnerException).SqlState);
        Assert.Equal(ApprovalStatus.Withdrawn, (await Gateway.RequestAsync(request.Request.Id))!.Status);
        Assert.Equal(1, await Gateway.CountItemsAsync("id = 4"));
        await using var select = new NpgsqlCommand("SELECT count(*) FROM items", connection);
        Assert.Equal(10L, await select.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Cancellation_token_while_held_withdraws_the_request()
    {
        await using var connection = await Gateway.OpenAsync();
        await using var delete = new NpgsqlCommand("DELETE FROM items WHERE id = 5", connection);
        using var cancel = new CancellationTokenSource();
        var run = delete.ExecuteNonQueryAsync(cancel.Token);
        var request = await Gateway.WaitForPendingAsync();

        await cancel.CancelAsync();
        var error = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);

        Assert.Equal("57014", Assert.IsType<PostgresException>(error.InnerException).SqlState);
        Assert.Equal(ApprovalStatus.Withdrawn, (await Gateway.RequestAsync(request.Request.Id))!.Status);
        Assert.Equal(1, await Gateway.CountItemsAsync("id = 5"));
    }

    [Fact]
    public async Task Killed_psql_withdraws_its_request()
    {
        using var psql = Process.Start(new ProcessStartInfo(Postgres.PsqlPath, ["-X", "-c", "DELETE FROM items WHERE id = 6", Gateway.PsqlConnInfo()])
        {
            Environment = { ["PGPASSWORD"] = Gateway.Token(), ["PSQLRC"] = "/dev/null" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var request = await Gateway.WaitForPendingAsync();

        psql.Kill();
        await psql.WaitForExitAsync();

        var deadline = Stopwatch.StartNew();
        while ((await Gateway.RequestAsync(request.Request.Id))!.Status == ApprovalStatus.Pending)
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(15), "the request stayed pending after psql died");
            await Task.Delay(50);
        }
        Assert.Equal(ApprovalStatus.Withdrawn, (await Gateway.RequestAsync(request.Request.Id))!.Status);
        Assert.Equal(1, await Gateway.CountItemsAsync("id = 6"));
    }

    [Fact]
    public async Task Cancel_of_a_running_statement_reaches_the_upstream()
    {
        await using var connection = await Gateway.OpenAsync();
        await using var sleep = new NpgsqlCommand("SELECT pg_sleep(30)", connection);
        var run = sleep.ExecuteNonQueryAsync();
        // pg_sleep is not a known pure function, so it is reviewed first; once approved it runs upstream.
        var request = await Gateway.WaitForPendingAsync();
        await Gateway.ApproveAsync(request.Request.Id);
        var deadline = Stopwatch.StartNew();
        while (await Gateway.TargetScalarAsync<long>(
                   "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30)' AND state = 'active'") == 0)
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(15), "pg_sleep never started upstream");
            await Task.Delay(20);
        }

        var cancelledAt = Stopwatch.StartNew();
        // Npgsql's Cancel() returns only once the cancel connection closes; the statement's end upstream is what counts here.
        var cancel = Task.Run(sleep.Cancel);
        while (await Gateway.TargetScalarAsync<long>(
                   "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30)' AND state = 'active'") > 0)
        {
            Assert.True(cancelledAt.Elapsed < TimeSpan.FromSeconds(10), "pg_sleep was not cancelled upstream");
            await Task.Delay(20);
        }
        var cancelled = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        await cancel;

        Assert.Equal("57014", Assert.IsType<PostgresException>(cancelled.InnerException).SqlState);
        await using var select = new NpgsqlCommand("SELECT 1", connection);
        Assert.Equal(1, await select.ExecuteScalarAsync());
    }
}
