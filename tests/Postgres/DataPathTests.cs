using Npgsql;
using TicketGate.Proxy.Audit;
using TicketGate.Tests.Fixtures;
using TicketGate.Workflows.Approvals;

namespace TicketGate.Tests.Postgres;

/// <summary>Large values and texts, server notifications, the audit trail, release integrity and many sessions at once.</summary>
public sealed class DataPathTests(PostgresClusterFixture postgres) : GatewayTest(postgres)
{
    [Fact]
    public async Task Five_megabyte_value_arrives_intact()
    {
        await using var connection = await Gateway.OpenAsync();
        await using var select = new NpgsqlCommand("SELECT repeat('ab', 2621440) || 'z'", connection);

        var value = (string)(await select.ExecuteScalarAsync())!;

        Assert.Equal(5 * 1024 * 1024 + 1, value.Length);
        Assert.StartsWith("abab", value, StringComparison.Ordinal);
        Assert.EndsWith("abz", value, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_megabyte_query_text_passes()
    {
        await using var connection = await Gateway.OpenAsync();
        await using var select = new NpgsqlCommand($"SELECT length('{new string('q', 2 * 1024 * 1024)}')", connection);

        Assert.Equal(2 * 1024 * 1024, await select.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Notifications_from_another_session_reach_a_listening_client()
    {
        await using var listener = await Gateway.OpenAsync();
        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        listener.Notification += (_, e) => received.TrySetResult(e.Channel + ":" + e.Payload);
        await using (var listen = new NpgsqlCommand("LISTEN jobs", listener)) await listen.ExecuteNonQueryAsync();

        await Gateway.TargetExecuteAsync("NOTIFY jobs, 'ready'");
        await listener.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("jobs:ready", await received.Task.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Audit_records_how_each_statement_was_decided()
    {
        await using var connection = await Gateway.OpenAsync();
        await using (var read = new NpgsqlCommand("SELECT id FROM items WHERE id <= 3", connection)) await read.ExecuteNonQueryAsync();
        var approved = await DecideAsync(connection, "DELETE FROM items WHERE id = 1", approve: true);
        var rejected = await DecideAsync(connection, "DELETE FROM items WHERE id = 2", approve: false);
        await using (var grant = new NpgsqlCommand("GRANT SELECT ON items TO PUBLIC", connection))
        {
            await Assert.ThrowsAsync<PostgresException>(() => grant.ExecuteNonQueryAsync());
        }
        await using (var withdrawn = new NpgsqlCommand("DELETE FROM items WHERE id = 3", connection))
        {
            var run = withdrawn.ExecuteNonQueryAsync();
            await Gateway.WaitForPendingAsync(r => r.Request.Command.Contains("id = 3", StringComparison.Ordinal));
            withdrawn.Cancel();
            await Assert.ThrowsAnyAsync<Exception>(() => run);
        }

        var allowed = await Gateway.WaitForAuditAsync(r => r.Entry.Statement == "SELECT id FROM items WHERE id <= 3");
        var approvedRow = await Gateway.WaitForAuditAsync(r => r.Entry.RequestId == approved);
        var rejectedRow = await Gateway.WaitForAuditAsync(r => r.Entry.RequestId == rejected);
        var blockedRow = await Gateway.WaitForAuditAsync(r => r.Entry.Statement.StartsWith("GRANT", StringComparison.Ordinal));
        var withdrawnRow = await Gateway.WaitForAuditAsync(r => r.Entry.Statement.Contains("id = 3", StringComparison.Ordinal) && r.Entry.RequestId is not null);

        Assert.Equal((AuditDecision.Allowed, "SELECT", 3L), (allowed.Entry.Decision, allowed.Entry.CommandTag, allowed.Entry.RowsAffected));
        Assert.Equal((AuditDecision.Approved, "DELETE", 1L), (approvedRow.Entry.Decision, approvedRow.Entry.CommandTag, approvedRow.Entry.RowsAffected));
        Assert.Equal(["alice"], approvedRow.Entry.DecidedBy);
        Assert.True(approvedRow.Entry.HoldUs > 0);
        // Measured from the decision to the release, so it is part of the hold, never more.
        Assert.InRange(approvedRow.Entry.ReleaseUs!.Value, 1, approvedRow.Entry.HoldUs!.Value);
        Assert.Null(rejectedRow.Entry.ReleaseUs);
        Assert.Equal(AuditDecision.Rejected, rejectedRow.Entry.Decision);
        Assert.Equal(["bob"], rejectedRow.Entry.DecidedBy);
        Assert.True(rejectedRow.Entry.HoldUs > 0);
        Assert.Equal(AuditDecision.Blocked, blockedRow.Entry.Decision);
        Assert.Null(blockedRow.Entry.RequestId);
        Assert.Equal(AuditDecision.Withdrawn, withdrawnRow.Entry.Decision);
        Assert.True(withdrawnRow.Entry.HoldUs > 0);
    }

    [Fact]
    public async Task Approved_command_whose_stored_hash_was_changed_is_not_forwarded()
    {
        await using var connection = await Gateway.OpenAsync();
        await using var delete = new NpgsqlCommand("DELETE FROM items WHERE id = 8", connection);
        var run = delete.ExecuteNonQueryAsync();
        var request = await Gateway.WaitForPendingAsync();
        await using (var state = new NpgsqlConnection(Gateway.Options.StateDatabase.ConnectionString))
        {
            await state.OpenAsync();
            await using var tamper = new NpgsqlCommand(
                "UPDATE ticketgate.approval_requests SET payload_sha256 = repeat('0', 64) WHERE id = @id", state);
            tamper.Parameters.AddWithValue("id", request.Request.Id);
            Assert.Equal(1, await tamper.ExecuteNonQueryAsync());
        }

        await Gateway.ApproveAsync(request.Request.Id);
        var error = await Assert.ThrowsAsync<PostgresException>(() => run);

        Assert.Equal("42501", error.SqlState);
        Assert.Contains("does not match the held one", error.MessageText, StringComparison.Ordinal);
        Assert.Equal(1, await Gateway.CountItemsAsync("id = 8"));
    }

    [Fact]
    public async Task Fifty_sessions_read_at_once()
    {
        var counts = await Task.WhenAll(Enumerable.Range(0, 50).Select(async _ =>
        {
            await using var connection = await Gateway.OpenAsync();
            await using var select = new NpgsqlCommand("SELECT count(*) FROM items", connection);
            return (long)(await select.ExecuteScalarAsync())!;
        }));

        Assert.All(counts, c => Assert.Equal(10L, c));
        Assert.Empty(await Gateway.RequestsAsync());
    }

    [Fact]
    public async Task Twenty_held_commands_at_once_are_each_decided_correctly()
    {
        var runs = Enumerable.Range(1, 20).Select(async i =>
        {
            await using var connection = await Gateway.OpenAsync();
            await using var insert = new NpgsqlCommand($"INSERT INTO items VALUES ({100 + i}, 'bulk {i}')", connection);
            try
            {
                return await insert.ExecuteNonQueryAsync() == 1 ? "inserted" : "?";
            }
            catch (PostgresException e)
            {
                return e.SqlState;
            }
        }).ToArray();

        var decided = new HashSet<Guid>();
        while (decided.Count < 20)
        {
            var request = await Gateway.WaitForPendingAsync(r => !decided.Contains(r.Request.Id));
            decided.Add(request.Request.Id);
            var i = int.Parse(request.Request.Command.Split('\'')[1]["bulk ".Length..], System.Globalization.CultureInfo.InvariantCulture);
            var response = i % 2 == 0 ? await Gateway.ApproveAsync(request.Request.Id) : await Gateway.RejectAsync(request.Request.Id, "odd");
            Assert.True(response.IsSuccessStatusCode);
        }
        var outcomes = await Task.WhenAll(runs);

        for (var i = 1; i <= 20; i++)
        {
            Assert.Equal(i % 2 == 0 ? "inserted" : "42501", outcomes[i - 1]);
            Assert.Equal(i % 2 == 0 ? 1 : 0, await Gateway.CountItemsAsync($"id = {100 + i}"));
        }
        Assert.Equal(10, (await Gateway.RequestsAsync()).Count(r => r.Status == ApprovalStatus.Approved));
    }

    private async Task<Guid> DecideAsync(NpgsqlConnection connection, string sql, bool approve)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        var run = command.ExecuteNonQueryAsync();
        var request = await Gateway.WaitForPendingAsync(r => r.Request.Command == sql);
        if (approve) await Gateway.ApproveAsync(request.Request.Id);
        else await Gateway.RejectAsync(request.Request.Id, "no");
        if (approve) await run;
        else await Assert.ThrowsAsync<PostgresException>(() => run);
        return request.Request.Id;
    }
}
