using Npgsql;
using TicketGate.Tests.Fixtures;
using TicketGate.Workflows.Approvals;

namespace TicketGate.Tests.Postgres.Startup;

public sealed class ShutdownTests(PostgresClusterFixture postgres)
{
    [Fact]
    public async Task Stopping_the_gateway_tells_idle_sessions_57P01_and_closes_them()
    {
        var gateway = await GatewayFixture.StartAsync(postgres);
        await using var first = await LoggedInAsync(gateway);
        await using var second = await LoggedInAsync(gateway);
        await using var npgsql = await gateway.OpenAsync();

        var stopping = gateway.DisposeAsync().AsTask();

        foreach (var client in new[] { first, second })
        {
            var fatal = await client.ReadMessageAsync();
            Assert.NotNull(fatal);
            Assert.Equal("57P01", fatal.SqlState);
            Assert.Equal("FATAL", fatal.Fields()['S']);
            Assert.True(await client.IsClosedAsync());
        }
        await stopping.WaitAsync(TimeSpan.FromSeconds(20));
        await using var command = new NpgsqlCommand("SELECT 1", npgsql);
        var error = await Assert.ThrowsAnyAsync<NpgsqlException>(() => command.ExecuteScalarAsync());
        Assert.Equal(System.Data.ConnectionState.Closed, npgsql.State);
        Assert.Equal("57P01", (error as PostgresException ?? error.InnerException as PostgresException)?.SqlState);
    }

    [Fact]
    public async Task Stopping_the_gateway_interrupts_a_running_query_with_57P01()
    {
        var gateway = await GatewayFixture.StartAsync(postgres, o => o.WithSafeFunctions("pg_sleep"));
        await using var client = await LoggedInAsync(gateway);
        await client.SendAsync(RawPostgresClient.Query("SELECT pg_sleep(30)"));
        await Task.Delay(300);

        var stopping = gateway.DisposeAsync().AsTask();

        var fatal = await client.ReadUntilAsync('E');
        Assert.NotNull(fatal);
        Assert.Equal("57P01", fatal.SqlState);
        Assert.True(await client.IsClosedAsync());
        await stopping.WaitAsync(TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task Stopping_the_gateway_tells_a_session_waiting_for_approval_57P01()
    {
        var gateway = await GatewayFixture.StartAsync(postgres);
        await using var client = await LoggedInAsync(gateway);
        await client.SendAsync(RawPostgresClient.Query("DELETE FROM items WHERE id = 1"));
        var notice = await client.ReadUntilAsync('N');
        Assert.Contains("held for approval", notice!.Text, StringComparison.Ordinal);
        var requestId = (await gateway.WaitForPendingAsync()).Request.Id;
        await using var state = NpgsqlDataSource.Create(gateway.Options.StateDatabase.ReadConnectionString());

        var stopping = gateway.DisposeAsync().AsTask();

        var fatal = await client.ReadUntilAsync('E');
        Assert.NotNull(fatal);
        Assert.Equal("57P01", fatal.SqlState);
        Assert.True(await client.IsClosedAsync());
        await stopping.WaitAsync(TimeSpan.FromSeconds(20));
        var withdrawn = await new ApprovalRequestStore(state, "test").GetAsync(requestId);
        Assert.Equal((ApprovalStatus.Withdrawn, "TicketGate ended the session while the command was held"), (withdrawn!.Status, withdrawn.Reason));
    }

    [Fact]
    public async Task Stopping_the_gateway_tells_a_client_still_in_start_up()
    {
        var gateway = await GatewayFixture.StartAsync(postgres);
        await using var client = await RawPostgresClient.ConnectAsync(gateway.PostgresPort);
        await client.NegotiateTlsAsync(gateway.CaFile);
        await client.SendAsync(RawPostgresClient.Startup(RawPostgresClient.Protocol30, ("user", "agent-7"), ("database", "app")));
        Assert.Equal(3, (await client.ReadMessageAsync())!.AuthenticationCode);

        var stopping = gateway.DisposeAsync().AsTask();

        var fatal = await client.ReadMessageAsync();
        Assert.NotNull(fatal);
        Assert.Equal("57P01", fatal.SqlState);
        Assert.True(await client.IsClosedAsync());
        await stopping.WaitAsync(TimeSpan.FromSeconds(20));
    }

    private static async Task<RawPostgresClient> LoggedInAsync(GatewayFixture gateway)
    {
        var client = await RawPostgresClient.ConnectAsync(gateway.PostgresPort);
        await client.NegotiateTlsAsync(gateway.CaFile);
        await client.LogInAsync(gateway.Token());
        return client;
    }
}
