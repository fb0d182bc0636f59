using System.Buffers.Binary;
using System.Diagnostics;
using Npgsql;
using TicketGate.Proxy.Configuration;
using TicketGate.Tests.Fixtures;

namespace TicketGate.Tests.Postgres.Startup;

public sealed class CancelRequestTests(CancelRequestTests.SleepyGateway shared) : IClassFixture<CancelRequestTests.SleepyGateway>
{
    private readonly GatewayFixture _gateway = shared.Gateway;

    /// <summary>pg_sleep counts as safe here, so the slow queries run upstream instead of being held for approval.</summary>
    public sealed class SleepyGateway(PostgresClusterFixture postgres) : SharedGateway(postgres)
    {
        protected override TicketGateOptions Configure(TicketGateOptions options) => options.WithSafeFunctions("pg_sleep");
    }

    [Fact]
    public async Task Plaintext_cancel_request_cancels_the_running_query()
    {
        await using var session = await SessionAsync();
        var (processId, secretKey) = session.Key;
        await session.Client.SendAsync(RawPostgresClient.Query("SELECT pg_sleep(30)"));
        await AssertSleepingUpstreamAsync();

        await using (var canceller = await RawPostgresClient.ConnectAsync(_gateway.PostgresPort))
        {
            await canceller.SendAsync(RawPostgresClient.CancelRequest(processId, secretKey));
            Assert.True(await canceller.IsClosedAsync(), "a cancel request gets no answer, only a closed connection");
        }

        await AssertCanceledAsync(session.Client);
    }

    [Fact]
    public async Task Cancel_request_sent_over_tls_cancels_the_running_query()
    {
        await using var session = await SessionAsync();
        var (processId, secretKey) = session.Key;
        await session.Client.SendAsync(RawPostgresClient.Query("SELECT pg_sleep(30)"));
        await AssertSleepingUpstreamAsync();

        await using (var canceller = await RawPostgresClient.ConnectAsync(_gateway.PostgresPort))
        {
            await canceller.NegotiateTlsAsync(_gateway.CaFile);
            await canceller.SendAsync(RawPostgresClient.CancelRequest(processId, secretKey));
            Assert.True(await canceller.IsClosedAsync());
        }

        await AssertCanceledAsync(session.Client);
    }

    [Fact]
    public async Task Npgsql_cancellation_reaches_the_query_through_the_gateway()
    {
        await using var connection = await _gateway.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT pg_sleep(30)", connection);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => command.ExecuteScalarAsync(cancel.Token));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        Assert.Equal("57014", Assert.IsType<PostgresException>(error.InnerException).SqlState);
        await using var after = new NpgsqlCommand("SELECT 1", connection);
        Assert.Equal(1, await after.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Cancel_request_with_an_unknown_key_is_ignored()
    {
        await using var session = await SessionAsync();
        var (processId, secretKey) = session.Key;
        await session.Client.SendAsync(RawPostgresClient.Query("SELECT pg_sleep(1.5), 'finished'"));
        await AssertSleepingUpstreamAsync();

        // The right process id with a wrong secret, and a made-up pair.
        await using (var wrongSecret = await RawPostgresClient.ConnectAsync(_gateway.PostgresPort))
        {
            await wrongSecret.SendAsync(RawPostgresClient.CancelRequest(processId, ~secretKey));
            Assert.True(await wrongSecret.IsClosedAsync());
        }
        await using (var madeUp = await RawPostgresClient.ConnectAsync(_gateway.PostgresPort))
        {
            await madeUp.SendAsync(RawPostgresClient.CancelRequest(12345, 67890));
            Assert.True(await madeUp.IsClosedAsync());
        }

        var row = await session.Client.ReadUntilAsync('D');
        Assert.NotNull(row);
        Assert.Equal('D', row.Code);
        Assert.NotNull(await session.Client.ReadUntilAsync('Z'));
    }

    [Fact]
    public async Task Backend_key_given_to_the_agent_is_not_the_upstream_process()
    {
        await using var session = await SessionAsync();

        var upstreamPid = int.Parse((await session.Client.ScalarAsync("SELECT pg_backend_pid()"))!, System.Globalization.CultureInfo.InvariantCulture);

        Assert.NotEqual(upstreamPid, session.Key.ProcessId);
        await using var second = await SessionAsync();
        Assert.NotEqual(session.Key, second.Key);
    }

    private async Task<Session> SessionAsync()
    {
        var client = await RawPostgresClient.ConnectAsync(_gateway.PostgresPort);
        await client.NegotiateTlsAsync(_gateway.CaFile);
        var messages = await client.LogInAsync(_gateway.Token());
        var key = Assert.Single(messages, m => m.Code == 'K').Body;
        return new Session(client, (BinaryPrimitives.ReadInt32BigEndian(key), BinaryPrimitives.ReadInt32BigEndian(key.AsSpan(4))));
    }

    private static async Task AssertCanceledAsync(RawPostgresClient client)
    {
        var clock = Stopwatch.StartNew();
        var error = await client.ReadUntilAsync('E');
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        Assert.NotNull(error);
        Assert.Equal('E', error.Code);
        Assert.Equal("57014", error.SqlState);
        Assert.NotNull(await client.ReadUntilAsync('Z'));
        Assert.Equal("1", await client.ScalarAsync("SELECT 1"));
    }

    private async Task AssertSleepingUpstreamAsync()
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            await using var connection = new NpgsqlConnection(_gateway.TargetConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'SELECT pg_sleep%' AND state = 'active'", connection);
            if ((long)(await command.ExecuteScalarAsync())! > 0) return;
            await Task.Delay(50);
        }
        Assert.Fail("the query never started on the upstream");
    }

    private sealed record Session(RawPostgresClient Client, (int ProcessId, int SecretKey) Key) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Client.DisposeAsync();
    }
}
