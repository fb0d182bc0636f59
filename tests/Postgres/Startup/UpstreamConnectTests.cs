using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;
using TicketGate.Proxy.Configuration;
using TicketGate.Tests.Fixtures;

namespace TicketGate.Tests.Postgres.Startup;

public sealed class UpstreamConnectTests(PostgresClusterFixture postgres) : IAsyncLifetime
{
    private const string WrongPassword = "Wr0ng-upstream-secret-7f3a";
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(5);
    private readonly RecordedLogs _logs = new();
    private readonly int _deadPort = GatewayFixture.FreePort();
    private GatewayFixture _gateway = null!;
    private string _missingSecret = null!;

    public async ValueTask InitializeAsync()
    {
        var folder = Directory.CreateTempSubdirectory("ticketgate-upstream-secrets-").FullName;
        var wrongPasswordFile = Path.Combine(folder, "wrong.password");
        await File.WriteAllTextAsync(wrongPasswordFile, WrongPassword + "\n");
        _missingSecret = Path.Combine(folder, "missing.password");
        _gateway = await GatewayFixture.StartAsync(postgres, o =>
        {
            var app = o.Connections[GatewayFixture.Connection];
            return o.WithConnection(app.Variant("down", port: _deadPort))
                .WithConnection(app.Variant("wrongpw", password: SecretReference.FromFile(wrongPasswordFile)))
                .WithConnection(app.Variant("nosecret", password: SecretReference.FromFile(_missingSecret)));
        }, _logs);
    }

    public ValueTask DisposeAsync() => _gateway.DisposeAsync();

    [Fact]
    public async Task Upstream_nobody_listens_on_gives_08006_naming_the_connection_and_address()
    {
        var error = await OpenFailsAsync("down");

        Assert.Equal("08006", error.SqlState);
        Assert.Contains("connection \"down\"", error.MessageText, StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{_deadPort}", error.MessageText, StringComparison.Ordinal);
        Assert.Contains("refused", error.MessageText, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Psql_shows_why_the_upstream_is_unreachable()
    {
        var result = await _gateway.PsqlAsync(postgres, _gateway.Token(), ["-c", "SELECT 1"], connInfo: _gateway.PsqlConnInfo(database: "down"));

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains($"TicketGate could not connect to the database of connection \"down\" at 127.0.0.1:{_deadPort}", result.StandardError,
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wrong_upstream_password_gives_08006_without_the_password_or_upstream_role_to_the_agent()
    {
        var error = await OpenFailsAsync("wrongpw");

        Assert.Equal("08006", error.SqlState);
        Assert.Contains("connection \"wrongpw\"", error.MessageText, StringComparison.Ordinal);
        Assert.Contains("refused TicketGate's credentials", error.MessageText, StringComparison.Ordinal);
        Assert.DoesNotContain("for user", error.MessageText, StringComparison.Ordinal);
        Assert.DoesNotContain(WrongPassword, error.MessageText, StringComparison.Ordinal);
        Assert.DoesNotContain(WrongPassword, _logs.All, StringComparison.Ordinal);
        // The operator's log keeps the upstream's own words.
        Assert.Contains(_logs.Lines, line => line.Contains("wrongpw", StringComparison.Ordinal) && line.Contains("password authentication failed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Missing_secret_file_gives_08006_telling_the_agent_to_ask_an_administrator()
    {
        var error = await OpenFailsAsync("nosecret");

        Assert.Equal("08006", error.SqlState);
        Assert.Equal("TicketGate could not read the credentials of connection \"nosecret\"; an administrator must fix its configuration", error.MessageText);
        // The operator learns which file; the agent doesn't.
        Assert.DoesNotContain(_missingSecret, error.MessageText, StringComparison.Ordinal);
        Assert.Contains(_logs.Lines, line => line.Contains(_missingSecret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Missing_secret_closes_the_upstream_socket_at_once()
    {
        // A stand-in server that asks for a password: the gateway can't read one, and must hang up rather than leave the
        // server waiting (a real one holds a connection slot until authentication_timeout, a minute by default).
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        await using var gateway = await GatewayFixture.StartAsync(postgres, o =>
            o.WithConnection(o.Connections[GatewayFixture.Connection].Variant("asks", port: port, password: SecretReference.FromFile(_missingSecret))));
        var builder = new NpgsqlConnectionStringBuilder(gateway.NpgsqlConnectionString(gateway.Token())) { Database = "asks" };
        await using var agent = new NpgsqlConnection(builder.ConnectionString);
        var opening = agent.OpenAsync();

        using var server = await listener.AcceptTcpClientAsync().WaitAsync(TimeSpan.FromSeconds(10));
        var stream = server.GetStream();
        var startup = new byte[4];
        await stream.ReadExactlyAsync(startup);
        await stream.ReadExactlyAsync(new byte[BinaryPrimitives.ReadInt32BigEndian(startup) - 4]);
        await stream.WriteAsync(RawPostgresClient.Message('R', [0, 0, 0, 3]));
        var error = await Assert.ThrowsAsync<PostgresException>(() => opening);
        var read = await stream.ReadAsync(new byte[1]).AsTask().WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal("08006", error.SqlState);
        Assert.Equal(0, read);
    }

    private async Task<PostgresException> OpenFailsAsync(string database)
    {
        var builder = new NpgsqlConnectionStringBuilder(_gateway.NpgsqlConnectionString(_gateway.Token())) { Database = database };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<PostgresException>(() => connection.OpenAsync());
        Assert.True(clock.Elapsed < Prompt, $"took {clock.Elapsed}");
        return error;
    }
}
