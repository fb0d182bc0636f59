using Npgsql;
using TicketGate.Tests.Fixtures;
using TicketGate.Workflows.Approvals;

namespace TicketGate.Tests.Postgres;

/// <summary>Several statements or Sync groups sent before any answer: held ones wait, the rest keep their order.</summary>
public sealed class PipeliningTests(PostgresClusterFixture postgres) : GatewayTest(postgres)
{
    [Fact]
    public async Task Batch_with_a_delete_is_held_whole_and_returns_all_three_results_after_approval()
    {
        await using var connection = await Gateway.OpenAsync();
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand("SELECT count(*) FROM items"),
                new NpgsqlBatchCommand("DELETE FROM items WHERE id = 1"),
                new NpgsqlBatchCommand("SELECT count(*) FROM items"),
            },
        };
        var run = batch.ExecuteReaderAsync();

        var request = await Gateway.WaitForPendingAsync();
        Assert.False(run.IsCompleted);
        Assert.Equal(10, await Gateway.CountItemsAsync());
        await Gateway.ApproveAsync(request.Request.Id);
        await using var reader = await run;
        var counts = new List<long>();
        do
        {
            while (await reader.ReadAsync()) counts.Add(reader.GetInt64(0));
        }
        while (await reader.NextResultAsync());

        Assert.Equal([10L, 9L], counts);
        Assert.Equal(1, batch.BatchCommands[1].RecordsAffected);
        Assert.Equal("DELETE FROM items WHERE id = 1", request.Request.Command);
    }

    [Fact]
    public async Task First_sync_group_is_answered_before_the_second_is_decided()
    {
        await using var client = await WireClient.ConnectAsync(Gateway);
        client.Parse("", "SELECT name FROM items WHERE id = 2").Bind("", "").Execute().Sync();
        client.Parse("", "DELETE FROM items WHERE id = 2").Bind("", "").Execute().Sync();
        await client.SendAsync();

        // The hold's NOTICE may overtake the first group's answers; the answers themselves are not held back.
        var first = (await client.ReadUntilReadyAsync()).Where(m => m.Code != 'N').ToList();
        var request = await Gateway.WaitForPendingAsync();
        Assert.Equal("12DCZ", string.Concat(first.Select(m => m.Code)));
        Assert.Equal("item 2", first[2].Columns()[0]);
        Assert.Equal(ApprovalStatus.Pending, (await Gateway.RequestAsync(request.Request.Id))!.Status);

        await Gateway.ApproveAsync(request.Request.Id);
        var second = (await client.ReadUntilReadyAsync()).Where(m => m.Code != 'N');
        Assert.Equal("12CZ", string.Concat(second.Select(m => m.Code)));
        Assert.Equal(0, await Gateway.CountItemsAsync("id = 2"));
    }

    [Fact]
    public async Task Messages_pipelined_behind_a_held_group_are_processed_after_the_decision()
    {
        await using var client = await WireClient.ConnectAsync(Gateway);
        client.Parse("", "DELETE FROM items WHERE id = 3").Bind("", "").Execute().Sync();
        client.Parse("", "SELECT count(*) FROM items").Bind("", "").Execute().Sync();
        client.Query("SELECT max(id) FROM items WHERE id < 4");
        await client.SendAsync();

        var request = await Gateway.WaitForPendingAsync();
        await Gateway.RejectAsync(request.Request.Id, "not this one");
        var denied = await client.ReadUntilReadyAsync();
        var count = await client.ReadUntilReadyAsync();
        var max = await client.ReadUntilReadyAsync();

        Assert.Equal("NEZ", string.Concat(denied.Select(m => m.Code)));
        Assert.Equal("10", count.Single(m => m.Code == 'D').Columns()[0]);
        Assert.Equal("3", max.Single(m => m.Code == 'D').Columns()[0]);
    }
}
