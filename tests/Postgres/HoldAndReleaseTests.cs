using Npgsql;
using TicketGate.Tests.Fixtures;
using TicketGate.Workflows.Approvals;

namespace TicketGate.Tests.Postgres;

public sealed class HoldAndReleaseTests(PostgresClusterFixture postgres) : IAsyncLifetime
{
    private GatewayFixture _gateway = null!;

    public async ValueTask InitializeAsync() => _gateway = await GatewayFixture.StartAsync(postgres);

    public ValueTask DisposeAsync() => _gateway.DisposeAsync();

    [Fact]
    public async Task Reads_pass_straight_through_psql()
    {
        var result = await _gateway.PsqlAsync(postgres, _gateway.Token(), ["-At", "-c", "SELECT count(*) FROM items"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("10", result.StandardOutput.Trim());
    }

    [Fact]
    public async Task Held_delete_runs_once_approved_and_psql_prints_its_result()
    {
        var psql = _gateway.PsqlAsync(postgres, _gateway.Token(), ["-c", "DELETE FROM items WHERE id = 3"]);
        var request = await _gateway.WaitForPendingAsync(r => r.Request.Command.Contains("DELETE FROM items", StringComparison.Ordinal));
        Assert.Equal(1, await CountAsync("id = 3"));

        var approval = await _gateway.ApproveAsync(request.Request.Id, "alice");
        var result = await psql;

        Assert.True(approval.IsSuccessStatusCode, await approval.Content.ReadAsStringAsync());
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("DELETE 1", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains($"held for approval as request {request.Request.Id}", result.StandardError, StringComparison.Ordinal);
        Assert.Equal(0, await CountAsync("id = 3"));
        Assert.Equal(ApprovalStatus.Approved, (await _gateway.RequestAsync(request.Request.Id))!.Status);
    }

    [Fact]
    public async Task Rejected_delete_reports_the_reason_and_changes_nothing()
    {
        var psql = _gateway.PsqlAsync(postgres, _gateway.Token(), ["-c", "DELETE FROM items WHERE id = 4"]);
        var request = await _gateway.WaitForPendingAsync(r => r.Request.Command.Contains("id = 4", StringComparison.Ordinal));

        await _gateway.RejectAsync(request.Request.Id, "not on a Friday", "bob");
        var result = await psql;

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("rejected by bob: not on a Friday", result.StandardError, StringComparison.Ordinal);
        Assert.Equal(1, await CountAsync("id = 4"));
    }

    [Fact]
    public async Task Rejected_delete_inside_transaction_makes_commit_roll_back()
    {
        await using var connection = await _gateway.OpenAsync();
        await using (var begin = new NpgsqlCommand("BEGIN; UPDATE items SET name = 'changed' WHERE id = 5", connection))
        {
            var pending = begin.ExecuteNonQueryAsync();
            var request = await _gateway.WaitForPendingAsync(r => r.Request.Command.Contains("id = 5", StringComparison.Ordinal));
            await _gateway.ApproveAsync(request.Request.Id);
            await pending;
        }
        await using (var delete = new NpgsqlCommand("DELETE FROM items WHERE id = 6", connection))
        {
            var pending = delete.ExecuteNonQueryAsync();
            var request = await _gateway.WaitForPendingAsync(r => r.Request.Command.Contains("id = 6", StringComparison.Ordinal));
            await _gateway.RejectAsync(request.Request.Id, "no");
            var error = await Assert.ThrowsAsync<PostgresException>(() => pending);
            Assert.Equal("42501", error.SqlState);
        }
        await using (var commit = new NpgsqlCommand("COMMIT", connection))
        {
            await commit.ExecuteNonQueryAsync();
        }

        Assert.Equal(0, await CountAsync("name = 'changed'"));
        Assert.Equal(1, await CountAsync("id = 6"));
    }

    private async Task<long> CountAsync(string where)
    {
        await using var connection = new NpgsqlConnection(_gateway.TargetConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SELECT count(*) FROM items WHERE {where}", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
