using TicketGate.Tests.Fixtures;
using TicketGate.Workflows.Approvals;

namespace TicketGate.Tests.Postgres;

/// <summary>Query messages: one message is one decision, and SQL dressed up to look harmless is still held or blocked.</summary>
public sealed class SimpleQueryTests(PostgresClusterFixture postgres) : GatewayTest(postgres)
{
    [Fact]
    public async Task Several_statements_in_one_message_are_held_as_one()
    {
        var psql = PsqlAsync("SELECT 1 AS one; DELETE FROM items WHERE id = 2; SELECT 2 AS two", null, "-At");
        var request = await Gateway.WaitForPendingAsync();
        await Gateway.ApproveAsync(request.Request.Id);
        var result = await psql;

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("SELECT 1 AS one; DELETE FROM items WHERE id = 2; SELECT 2 AS two", request.Request.Command);
        Assert.Equal(["1", "DELETE 1", "2"], result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.Single(await Gateway.RequestsAsync());
        Assert.Equal(0, await Gateway.CountItemsAsync("id = 2"));
    }

    [Theory]
    [InlineData("SELECT 1 /* ; */ ; DELETE FROM items", "medium")]
    [InlineData("SELECT $x$ ; $x$; DELETE FROM items", "medium")]
    [InlineData("SELECT E'\\\\'; DELETE FROM items", "medium")]
    [InlineData("SELECT E'it\\'s'; DELETE FROM items", "medium")]
    [InlineData("WITH gone AS (DELETE FROM items RETURNING id) SELECT count(*) FROM gone", "medium")]
    [InlineData("SELECT * INTO items_copy FROM items", "medium")]
    [InlineData("SELECT * FROM items FOR UPDATE", "medium")]
    [InlineData("COPY items TO PROGRAM 'cat > /dev/null'", "high")]
    [InlineData("DO $$ BEGIN DELETE FROM items; END $$", "medium")]
    [InlineData("SELECT not_a_known_function(id) FROM items", "medium")]
    [InlineData("SELEC id FROM items; DELETE FROM items", "medium")]
    public async Task Disguised_changes_are_held_and_run_nothing_when_rejected(string sql, string tier)
    {
        var psql = PsqlAsync(sql);
        StoredApprovalRequest request;
        if (tier == "high")
        {
            // High first needs a ticket; with no ticket system configured the workflow's fallback denies it by itself.
            await psql;
            request = Assert.Single(await Gateway.RequestsAsync(), r => r.Request.Command.Contains("PROGRAM", StringComparison.Ordinal));
        }
        else
        {
            request = await Gateway.WaitForPendingAsync();
            await Gateway.RejectAsync(request.Request.Id, "no");
        }
        var result = await psql;

        Assert.Equal(tier, request.Request.Tier.ToName());
        Assert.NotEqual(0, result.ExitCode);
        Assert.Matches(tier == "high" ? "denied by its approval workflow" : "rejected by bob", result.StandardError);
        Assert.Equal(10, await Gateway.CountItemsAsync());
        Assert.Equal(0L, await Gateway.TargetScalarAsync<long>("SELECT count(*) FROM pg_class WHERE relname = 'items_copy'"));
    }

    [Fact]
    public async Task Disguised_change_sent_on_standard_input_is_held()
    {
        var psql = Gateway.PsqlAsync(Postgres, Gateway.Token(), ["-f", "-"], "SELECT 1;\n-- just a comment\nDELETE FROM items WHERE id = 7;\n");
        var request = await Gateway.WaitForPendingAsync();
        await Gateway.RejectAsync(request.Request.Id, "no");
        var result = await psql;

        Assert.Contains("DELETE FROM items WHERE id = 7", request.Request.Command, StringComparison.Ordinal);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Equal(1, await Gateway.CountItemsAsync("id = 7"));
    }

    [Fact]
    public async Task Grant_is_blocked_at_once_without_a_request()
    {
        var result = await PsqlAsync("GRANT SELECT ON items TO PUBLIC");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("TicketGate blocked this statement", result.StandardError, StringComparison.Ordinal);
        Assert.Empty(await Gateway.RequestsAsync());
        Assert.Equal(0L, await Gateway.TargetScalarAsync<long>(
            "SELECT count(*) FROM information_schema.role_table_grants WHERE table_name = 'items' AND grantee = 'PUBLIC'"));
    }

    [Fact]
    public async Task Grant_is_blocked_with_sqlstate_42501()
    {
        await using var connection = await Gateway.OpenAsync();
        await using var grant = new Npgsql.NpgsqlCommand("GRANT SELECT ON items TO PUBLIC", connection);

        var error = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => grant.ExecuteNonQueryAsync());

        Assert.Equal("42501", error.SqlState);
        Assert.Empty(await Gateway.RequestsAsync());
    }
}
