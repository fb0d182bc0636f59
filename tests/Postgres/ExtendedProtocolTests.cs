using Npgsql;
using NpgsqlTypes;
using TicketGate.Proxy.Audit;
using TicketGate.Tests.Fixtures;
using TicketGate.Workflows.Approvals;

namespace TicketGate.Tests.Postgres;

/// <summary>Parse/Bind/Execute through the gateway: classified at Parse, gated at every Execute, parameters shown to approvers.</summary>
public sealed class ExtendedProtocolTests(PostgresClusterFixture postgres) : IAsyncLifetime
{
    private GatewayFixture _gateway = null!;

    public async ValueTask InitializeAsync() => _gateway = await GatewayFixture.StartAsync(postgres);

    public ValueTask DisposeAsync() => _gateway.DisposeAsync();

    [Fact]
    public async Task Prepared_select_runs_many_times_without_holds()
    {
        await using var connection = await _gateway.OpenAsync();
        await using var select = new NpgsqlCommand("SELECT name FROM items WHERE id = @id", connection);
        var id = new NpgsqlParameter<int>("id", 0);
        select.Parameters.Add(id);
        await select.PrepareAsync();

        for (var i = 1; i <= 10; i++)
        {
            id.TypedValue = i;
            Assert.Equal($"item {i}", await select.ExecuteScalarAsync());
        }

        Assert.True(select.IsPrepared);
        Assert.Empty(await _gateway.RequestsAsync());
        var audit = await _gateway.WaitForAuditAsync(_ => true);
        Assert.Equal(AuditDecision.Allowed, audit.Entry.Decision);
        Assert.Equal(10, (await _gateway.AuditAsync()).Count(r => r.Entry.Statement.Contains("SELECT name FROM items", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Prepared_delete_is_gated_at_every_execute()
    {
        await using var connection = await _gateway.OpenAsync();
        await using var delete = new NpgsqlCommand("DELETE FROM items WHERE id = @id", connection);
        var id = new NpgsqlParameter<int>("id", 0);
        delete.Parameters.Add(id);
        await delete.PrepareAsync();
        Assert.Empty(await _gateway.RequestsAsync());

        var seen = new HashSet<Guid>();
        foreach (var target in new[] { 1, 2 })
        {
            id.TypedValue = target;
            var run = delete.ExecuteNonQueryAsync();
            var request = await _gateway.WaitForPendingAsync(r => !seen.Contains(r.Request.Id));
            seen.Add(request.Request.Id);
            Assert.Equal(1, await _gateway.CountItemsAsync($"id = {target}"));
            await _gateway.ApproveAsync(request.Request.Id);
            Assert.Equal(1, await run);
        }

        Assert.Equal(0, await _gateway.CountItemsAsync("id IN (1, 2)"));
        var requests = await _gateway.RequestsAsync();
        Assert.Equal(2, requests.Count);
        Assert.All(requests, r => Assert.Equal(ApprovalStatus.Approved, r.Status));
        Assert.All(requests, r => Assert.Equal("DELETE FROM items WHERE id = $1", r.Request.Command));
    }

    [Fact]
    public async Task Parse_and_describe_of_a_delete_without_execute_is_not_gated()
    {
        await using var client = await WireClient.ConnectAsync(_gateway);
        await client.Parse("d1", "DELETE FROM items WHERE id = $1").Describe('S', "d1").Sync().SendAsync();
        var answer = await client.ReadUntilReadyAsync();

        Assert.Equal("1tnZ", string.Concat(answer.Select(m => m.Code)));
        Assert.Empty(await _gateway.RequestsAsync());
        Assert.Equal(10, await _gateway.CountItemsAsync());
    }

    [Fact]
    public async Task Binary_and_null_parameters_appear_in_the_request()
    {
        await using var connection = await _gateway.OpenAsync();
        await using var delete = new NpgsqlCommand("DELETE FROM items WHERE id = @id OR name = @name OR name::bytea = @label", connection);
        delete.Parameters.Add(new NpgsqlParameter<int>("id", 7));
        delete.Parameters.Add(new NpgsqlParameter("name", NpgsqlDbType.Text) { Value = DBNull.Value });
        delete.Parameters.Add(new NpgsqlParameter<byte[]>("label", NpgsqlDbType.Bytea) { TypedValue = [0xde, 0xad] });
        var run = delete.ExecuteNonQueryAsync();

        var request = await _gateway.WaitForPendingAsync();
        await _gateway.RejectAsync(request.Request.Id, "just looking");

        Assert.Equal(["\\x00000007", null, "\\xdead"], request.Request.Parameters);
        var error = await Assert.ThrowsAsync<PostgresException>(() => run);
        Assert.Equal("42501", error.SqlState);
        Assert.Equal(10, await _gateway.CountItemsAsync());
    }

    [Fact]
    public async Task Text_parameters_of_an_unnamed_statement_appear_as_sent_and_run_after_approval()
    {
        await using var client = await WireClient.ConnectAsync(_gateway);
        await client.Parse("", "UPDATE items SET name = $1 WHERE id = $2").Bind("", "", "renamed", "8").Execute().Sync().SendAsync();

        var request = await _gateway.WaitForPendingAsync();
        Assert.Equal(["renamed", "8"], request.Request.Parameters);
        Assert.Equal('N', (await client.ReadAsync()).Code);
        await _gateway.ApproveAsync(request.Request.Id);
        var answer = await client.ReadUntilReadyAsync();

        Assert.Equal("12CZ", string.Concat(answer.Select(m => m.Code)));
        Assert.Equal("UPDATE 1", answer[2].Tag);
        Assert.Equal(1, await _gateway.CountItemsAsync("id = 8 AND name = 'renamed'"));
    }

    [Fact]
    public async Task Named_portal_of_a_delete_is_held_and_runs_once_approved()
    {
        await using var client = await WireClient.ConnectAsync(_gateway);
        await client.Parse("s1", "DELETE FROM items WHERE id = $1").Bind("p1", "s1", "9").Execute("p1").Sync().SendAsync();

        var request = await _gateway.WaitForPendingAsync();
        await _gateway.ApproveAsync(request.Request.Id);
        var answer = await client.ReadUntilReadyAsync();

        Assert.Equal("N12CZ", string.Concat(answer.Select(m => m.Code)));
        Assert.Equal("DELETE 1", answer[3].Tag);
        Assert.Equal(0, await _gateway.CountItemsAsync("id = 9"));
    }

    [Fact]
    public async Task Portal_fetched_in_pieces_returns_every_row_without_holds()
    {
        await using var client = await WireClient.ConnectAsync(_gateway);
        await client.Parse("", "SELECT id FROM items ORDER BY id").Bind("rows", "").Execute("rows", 4).Execute("rows", 4).Execute("rows", 4)
            .Sync().SendAsync();
        var answer = await client.ReadUntilReadyAsync();

        Assert.Equal("12DDDDsDDDDsDDCZ", string.Concat(answer.Select(m => m.Code)));
        Assert.Equal(Enumerable.Range(1, 10).Select(i => i.ToString()), answer.Where(m => m.Code == 'D').Select(m => m.Columns()[0]));
        Assert.Empty(await _gateway.RequestsAsync());
    }

    [Fact]
    public async Task Statement_parsed_in_one_sync_group_and_executed_in_a_later_one_is_still_gated()
    {
        await using var client = await WireClient.ConnectAsync(_gateway);
        await client.Parse("later", "DELETE FROM items WHERE id = $1").Sync().SendAsync();
        Assert.Equal("1Z", string.Concat((await client.ReadUntilReadyAsync()).Select(m => m.Code)));

        await client.Bind("", "later", "10").Execute().Sync().SendAsync();
        var request = await _gateway.WaitForPendingAsync();
        await _gateway.RejectAsync(request.Request.Id, "keep it");
        var answer = await client.ReadUntilReadyAsync();

        Assert.Equal("NEZ", string.Concat(answer.Select(m => m.Code)));
        Assert.Equal("42501", answer[1].Field('C'));
        Assert.Equal("DELETE FROM items WHERE id = $1", request.Request.Command);
        Assert.Equal(1, await _gateway.CountItemsAsync("id = 10"));
    }
}
