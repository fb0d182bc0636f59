using System.Buffers.Binary;
using System.Text;
using Npgsql;
using TicketGate.Proxy.Configuration;
using TicketGate.Tests.Fixtures;

namespace TicketGate.Tests.Postgres.Startup;

/// <summary>Malformed and unusual protocol input, by hand: each gets an ErrorResponse or a closed connection, and harms no other session.</summary>
public sealed class StartupProtocolTests(StartupProtocolTests.StrictGateway shared) : IClassFixture<StartupProtocolTests.StrictGateway>, IAsyncLifetime
{
    private const int MaxMessageBytes = 1024 * 1024;
    private static readonly TimeSpan StartupTimeout = TimeSpan.FromSeconds(2);
    private readonly GatewayFixture _gateway = shared.Gateway;
    private NpgsqlConnection _bystander = null!;

    /// <summary>A small message limit and a short start-up timeout, so the tests can reach them quickly.</summary>
    public sealed class StrictGateway(PostgresClusterFixture postgres) : SharedGateway(postgres)
    {
        protected override TicketGateOptions Configure(TicketGateOptions options) =>
            options.WithListener(l => l.Copy(maxMessageBytes: MaxMessageBytes, startupTimeout: StartupTimeout));
    }

    public async ValueTask InitializeAsync() => _bystander = await _gateway.OpenAsync();

    public ValueTask DisposeAsync() => _bystander.DisposeAsync();

    [Fact]
    public async Task Typed_message_with_length_under_four_ends_the_session_with_08P01()
    {
        await using var client = await LoggedInAsync();

        await client.SendAsync(RawPostgresClient.Message('Q', [], declaredLength: 2));

        await AssertFatalAsync(client, "08P01", "invalid length");
        await AssertBystanderWorksAsync();
    }

    [Fact]
    public async Task Password_message_with_length_under_four_ends_the_start_up_with_08P01()
    {
        await using var client = await TlsClientAsync();
        await client.SendAsync(RawPostgresClient.Startup(RawPostgresClient.Protocol30, ("user", "agent-7"), ("database", "app")));
        Assert.Equal(3, (await client.ReadMessageAsync())!.AuthenticationCode);

        await client.SendAsync(RawPostgresClient.Message('p', [], declaredLength: 1));

        await AssertFatalAsync(client, "08P01", "password message");
        await AssertBystanderWorksAsync();
    }

    [Fact]
    public async Task Message_declaring_more_than_max_message_bytes_ends_the_session()
    {
        await using var client = await LoggedInAsync();

        // Only the header and a little of the body: the gateway must refuse on the declared length, not wait for a gigabyte.
        await client.SendAsync(RawPostgresClient.Message('Q', Encoding.UTF8.GetBytes("SELECT 1"), declaredLength: 2 * MaxMessageBytes));

        await AssertFatalAsync(client, "08P01", $"over TicketGate's limit of {MaxMessageBytes} bytes");
        await AssertBystanderWorksAsync();
    }

    [Fact]
    public async Task Unknown_message_type_ends_the_session()
    {
        await using var client = await LoggedInAsync();

        await client.SendAsync(RawPostgresClient.Message('!', [1, 2, 3]));

        await AssertFatalAsync(client, "08P01", "unexpected message type '!'");
        await AssertBystanderWorksAsync();
    }

    [Theory]
    [InlineData(4)]
    [InlineData(7)]
    [InlineData(10_001)]
    [InlineData(int.MaxValue)]
    public async Task Start_up_packet_with_an_impossible_length_is_refused(int length)
    {
        await using var client = await RawPostgresClient.ConnectAsync(_gateway.PostgresPort);
        var header = new byte[8];
        BinaryPrimitives.WriteInt32BigEndian(header, length);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), RawPostgresClient.Protocol30);

        await client.SendAsync(header);

        await AssertFatalAsync(client, "08P01", $"invalid start-up packet length {length}");
        await AssertBystanderWorksAsync();
    }

    [Fact]
    public async Task Start_up_message_with_an_unterminated_parameter_is_refused()
    {
        await using var client = await TlsClientAsync();

        await client.SendAsync(RawPostgresClient.Packet(RawPostgresClient.Protocol30, Encoding.UTF8.GetBytes("user\0agent-7\0database\0ap")));

        await AssertFatalAsync(client, "08P01", "malformed start-up message");
        await AssertBystanderWorksAsync();
    }

    [Fact]
    public async Task Protocol_2_start_up_is_refused_as_unsupported()
    {
        await using var client = await RawPostgresClient.ConnectAsync(_gateway.PostgresPort);

        await client.SendAsync(RawPostgresClient.Startup(2 << 16, ("user", "agent-7"), ("database", "app")));

        await AssertFatalAsync(client, "0A000", "unsupported frontend protocol 2.0");
        await AssertBystanderWorksAsync();
    }

    [Fact]
    public async Task Protocol_3_2_start_up_is_negotiated_down_to_3_0_and_works()
    {
        await using var client = await TlsClientAsync();

        var messages = await client.LogInAsync(_gateway.Token(), version: (3 << 16) | 2);

        var negotiate = Assert.Single(messages, m => m.Code == 'v');
        Assert.Equal(0, BinaryPrimitives.ReadInt32BigEndian(negotiate.Body));
        Assert.Equal(0, BinaryPrimitives.ReadInt32BigEndian(negotiate.Body.AsSpan(4)));
        // At 3.0 the BackendKeyData carries a 4-byte secret.
        Assert.Equal(8, Assert.Single(messages, m => m.Code == 'K').Body.Length);
        Assert.Equal("10", await client.ScalarAsync("SELECT count(*) FROM items"));
    }

    [Fact]
    public async Task Protocol_options_are_listed_as_unrecognized_and_not_passed_on()
    {
        await using var client = await TlsClientAsync();

        var messages = await client.LogInAsync(_gateway.Token(), extra: [("_pq_.compression", "on"), ("_pq_.other", "x")]);

        var negotiate = Assert.Single(messages, m => m.Code == 'v');
        Assert.Equal(0, BinaryPrimitives.ReadInt32BigEndian(negotiate.Body));
        Assert.Equal(2, BinaryPrimitives.ReadInt32BigEndian(negotiate.Body.AsSpan(4)));
        var names = Encoding.UTF8.GetString(negotiate.Body, 8, negotiate.Body.Length - 8).Split('\0', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["_pq_.compression", "_pq_.other"], names.Order(StringComparer.Ordinal));
        Assert.Equal("1", await client.ScalarAsync("SELECT 1"));
    }

    [Fact]
    public async Task Client_that_stops_mid_start_up_is_told_and_dropped_after_the_start_up_timeout()
    {
        await using var client = await TlsClientAsync();
        var clock = System.Diagnostics.Stopwatch.StartNew();

        // Half a start-up packet, then silence.
        await client.SendAsync(RawPostgresClient.Startup(RawPostgresClient.Protocol30, ("user", "agent-7"))[..6]);

        await AssertFatalAsync(client, "08P01", "did not finish within 2s");
        Assert.InRange(clock.Elapsed, StartupTimeout - TimeSpan.FromMilliseconds(200), StartupTimeout * 3);
        await AssertBystanderWorksAsync();
    }

    private async Task<RawPostgresClient> TlsClientAsync()
    {
        var client = await RawPostgresClient.ConnectAsync(_gateway.PostgresPort);
        await client.NegotiateTlsAsync(_gateway.CaFile);
        return client;
    }

    private async Task<RawPostgresClient> LoggedInAsync()
    {
        var client = await TlsClientAsync();
        await client.LogInAsync(_gateway.Token());
        return client;
    }

    /// <summary>The connection gets a FATAL with this state and message (or, at worst, is closed) and then ends.</summary>
    private static async Task AssertFatalAsync(RawPostgresClient client, string sqlState, string messagePart)
    {
        var answer = await client.ReadMessageAsync();
        Assert.NotNull(answer);
        Assert.Equal('E', answer.Code);
        Assert.Equal(sqlState, answer.SqlState);
        Assert.Contains(messagePart, answer.Text, StringComparison.Ordinal);
        Assert.Equal("FATAL", answer.Fields()['S']);
        Assert.True(await client.IsClosedAsync(), "the connection should close after a FATAL");
    }

    private async Task AssertBystanderWorksAsync()
    {
        await using var command = new NpgsqlCommand("SELECT count(*) FROM items", _bystander);
        Assert.Equal(10L, await command.ExecuteScalarAsync());
    }
}
