using TicketGate.Tests.Fixtures;

namespace TicketGate.Tests.Postgres;

/// <summary>
/// The gateway's picture of the session's prepared statements must never be milder than the server's: a Parse, Bind or Close
/// the server refused or skipped, or SQL-level PREPARE/DEALLOCATE, must not let a gated statement run under a harmless name.
/// </summary>
public sealed class PreparedStatementMirrorTests(PostgresClusterFixture postgres) : IAsyncLifetime
{
    private GatewayFixture _gateway = null!;

    public async ValueTask InitializeAsync() => _gateway = await GatewayFixture.StartAsync(postgres);

    public ValueTask DisposeAsync() => _gateway.DisposeAsync();

    [Fact]
    public async Task Redefining_a_named_statement_that_the_server_refused_does_not_let_the_old_delete_pass()
    {
        await using var client = await WireClient.ConnectAsync(_gateway);
        await client.Parse("s", "DELETE FROM items WHERE id = 5").Sync().SendAsync();
        await client.ReadUntilReadyAsync();
        // The server refuses this Parse (the name is taken), so "s" stays the DELETE.
        await client.Parse("s", "SELECT 1").Sync().SendAsync();
        Assert.Equal("42P05", (await client.ReadUntilReadyAsync())[0].Field('C'));

        await client.Bind("", "s").Execute().Sync().SendAsync();
        var request = await _gateway.WaitForPendingAsync();
        await _gateway.RejectAsync(request.Request.Id, "no");
        await client.ReadUntilReadyAsync();

        Assert.Contains("DELETE FROM items WHERE id = 5", request.Request.Command, StringComparison.Ordinal);
        Assert.Equal(1, await _gateway.CountItemsAsync("id = 5"));
    }

    [Fact]
    public async Task Messages_the_server_skipped_after_an_error_do_not_redefine_a_statement()
    {
        await using var client = await WireClient.ConnectAsync(_gateway);
        await client.Parse("", "DELETE FROM items WHERE id = 6").Sync().SendAsync();
        await client.ReadUntilReadyAsync();
        // The Bind to a missing statement fails; the server skips the rest of the group, so the unnamed statement stays the DELETE.
        await client.Bind("", "missing").Parse("", "SELECT 1").Sync().SendAsync();
        Assert.Equal("26000", (await client.ReadUntilReadyAsync())[0].Field('C'));

        await client.Bind("", "").Execute().Sync().SendAsync();
        var request = await _gateway.WaitForPendingAsync();
        await _gateway.RejectAsync(request.Request.Id, "no");
        await client.ReadUntilReadyAsync();

        Assert.Equal(1, await _gateway.CountItemsAsync("id = 6"));
    }

    [Fact]
    public async Task Statement_prepared_in_sql_and_executed_by_protocol_is_gated()
    {
        await using var client = await WireClient.ConnectAsync(_gateway);
        await client.Parse("s2", "SELECT 1").Sync().SendAsync();
        await client.ReadUntilReadyAsync();
        await client.Query("DEALLOCATE s2").SendAsync();
        await client.ReadUntilReadyAsync();
        await client.Query("PREPARE s2 AS DELETE FROM items WHERE id = 4").SendAsync();
        var prepare = await _gateway.WaitForPendingAsync();
        await _gateway.ApproveAsync(prepare.Request.Id);
        await client.ReadUntilReadyAsync();

        await client.Bind("", "s2").Execute().Sync().SendAsync();
        var request = await _gateway.WaitForPendingAsync(r => r.Request.Id != prepare.Request.Id);
        await _gateway.RejectAsync(request.Request.Id, "no");
        await client.ReadUntilReadyAsync();

        Assert.Equal(1, await _gateway.CountItemsAsync("id = 4"));
    }

    [Fact]
    public async Task Query_sent_behind_an_unsynced_delete_does_not_carry_the_delete_upstream()
    {
        await using var client = await WireClient.ConnectAsync(_gateway);
        await client.Parse("", "DELETE FROM items WHERE id = 3").Bind("", "").Execute().Query("SELECT 1").SendAsync();

        var request = await _gateway.WaitForPendingAsync();
        Assert.Equal(1, await _gateway.CountItemsAsync("id = 3"));
        await _gateway.RejectAsync(request.Request.Id, "no");
        var denial = await client.ReadAsync();
        while (denial.Code != 'E') denial = await client.ReadAsync();
        // As after any error in an extended group, what follows up to the next Sync is skipped.
        await client.Sync().SendAsync();
        await client.ReadUntilReadyAsync();
        await client.Query("SELECT count(*) FROM items").SendAsync();
        var rows = await client.ReadUntilReadyAsync();

        Assert.Equal("42501", denial.Field('C'));
        Assert.Equal("10", rows.Single(m => m.Code == 'D').Columns()[0]);
        Assert.Equal(1, await _gateway.CountItemsAsync("id = 3"));
    }

    [Fact]
    public async Task Unsynced_gated_execute_followed_by_terminate_never_reaches_the_database()
    {
        // nextval is not undone by a rollback, so it shows whether the Execute ever ran.
        await _gateway.TargetExecuteAsync("CREATE SEQUENCE smuggled; GRANT ALL ON SEQUENCE smuggled TO PUBLIC");
        var client = await WireClient.ConnectAsync(_gateway);
        client.Parse("", "SELECT nextval('smuggled')").Bind("", "").Execute();
        await client.DisposeAsync();

        var deadline = System.Diagnostics.Stopwatch.StartNew();
        while (await _gateway.TargetScalarAsync<long>(
                   "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()") > 0)
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(10), "the upstream session did not end");
            await Task.Delay(20);
        }
        Assert.False(await _gateway.TargetScalarAsync<bool>("SELECT is_called FROM smuggled"));
        Assert.Empty(await _gateway.RequestsAsync());
    }
}
