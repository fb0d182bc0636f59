using System.Diagnostics;
using System.Globalization;
using System.Net;
using Npgsql;
using TicketGate.Tests.Fixtures;
using TicketGate.Workflows.Approvals;
using static TicketGate.Tests.Approvals.ApprovalGateway;

namespace TicketGate.Tests.Approvals;

/// <summary>Many commands held at the same time, each decided by its own workflow instance.</summary>
public sealed class ManyHeldCommandsTests(PostgresClusterFixture postgres)
{
    private const int Sessions = 200;
    private const int FirstRow = 1001;

    [Fact]
    public async Task Two_hundred_held_deletes_each_get_their_own_decision()
    {
        var clock = Stopwatch.StartNew();
        await using var gateway = await StartAsync(postgres);
        await gateway.TargetExecuteAsync($"INSERT INTO items SELECT g, 'bulk ' || g FROM generate_series({FirstRow}, {FirstRow + Sessions - 1}) g");
        var token = gateway.Token();

        var clients = new Task<string>[Sessions];
        for (var i = 0; i < Sessions; i++) clients[i] = DeleteAsync(gateway, token, FirstRow + i);
        var pending = await AllPendingAsync(gateway, clients);
        var decisions = new List<Task<HttpResponseMessage>>(Sessions);
        foreach (var request in pending)
        {
            var row = RowOf(request);
            decisions.Add(IsApproved(row)
                ? gateway.ApproveAsync(request.Request.Id, "alice")
                : gateway.RejectAsync(request.Request.Id, $"row {row} stays"));
        }
        var answers = await Task.WhenAll(decisions);
        var outcomes = await Task.WhenAll(clients);

        Assert.Equal(Sessions, pending.Count);
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
        for (var i = 0; i < Sessions; i++)
        {
            var row = FirstRow + i;
            Assert.Equal(IsApproved(row) ? "DELETE 1" : $"denied: row {row} stays", outcomes[i]);
        }
        var left = await gateway.TargetScalarAsync<long>($"SELECT count(*) FROM items WHERE id >= {FirstRow} AND id % 2 = 1");
        var deleted = await gateway.TargetScalarAsync<long>($"SELECT count(*) FROM items WHERE id >= {FirstRow} AND id % 2 = 0");
        Assert.Equal(Sessions / 2, left);
        Assert.Equal(0, deleted);
        Assert.Equal(10, await gateway.CountItemsAsync($"id < {FirstRow}"));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(90), $"took {clock.Elapsed}");
    }

    private static bool IsApproved(int row) => row % 2 == 0;

    private static int RowOf(StoredApprovalRequest request) =>
        int.Parse(request.Request.Command["DELETE FROM items WHERE id = ".Length..], CultureInfo.InvariantCulture);

    /// <summary>One agent session deleting its row: "DELETE n" when it ran, "denied: reason" when the gateway refused it.</summary>
    private static async Task<string> DeleteAsync(GatewayFixture gateway, string token, int row)
    {
        var builder = new NpgsqlConnectionStringBuilder(gateway.NpgsqlConnectionString(token)) { Timeout = 60, CommandTimeout = 120 };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DELETE FROM items WHERE id = {row.ToString(CultureInfo.InvariantCulture)}", connection);
        try
        {
            return $"DELETE {await command.ExecuteNonQueryAsync()}";
        }
        catch (PostgresException e)
        {
            var reason = e.MessageText[(e.MessageText.LastIndexOf(": ", StringComparison.Ordinal) + 2)..];
            return "denied: " + reason;
        }
    }

    private static async Task<IReadOnlyList<StoredApprovalRequest>> AllPendingAsync(GatewayFixture gateway, Task<string>[] clients)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            foreach (var client in clients)
            {
                if (client.IsFaulted) await client;
            }
            var pending = new List<StoredApprovalRequest>();
            foreach (var request in await gateway.RequestsAsync())
            {
                if (request.IsPending) pending.Add(request);
            }
            if (pending.Count == Sessions) return pending;
            await Task.Delay(100);
        }
        throw new TimeoutException($"not all {Sessions} commands became pending within 60 s");
    }
}
