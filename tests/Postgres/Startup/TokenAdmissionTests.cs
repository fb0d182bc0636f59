using System.Diagnostics;
using Npgsql;
using TicketGate.Proxy.Identity;
using TicketGate.Tests.Fixtures;

namespace TicketGate.Tests.Postgres.Startup;

public sealed class TokenAdmissionTests(PostgresClusterFixture postgres, SharedGateway shared) : IClassFixture<SharedGateway>
{
    // A hang check, not a performance target: a refusal must come back, not wait for the start-up timeout.
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(5);
    private readonly GatewayFixture _gateway = shared.Gateway;

    [Fact]
    public async Task Real_length_token_passes_through_psql_pgpassword()
    {
        var token = _gateway.Token();

        var result = await _gateway.PsqlAsync(postgres, token, ["-At", "-c", "SELECT count(*) FROM items"]);

        Assert.True(token.Length > 500, $"a development token is {token.Length} characters; real ones are longer than 100");
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("10", result.StandardOutput.Trim());
    }

    [Fact]
    public async Task Expired_token_is_refused_saying_when_it_expired()
    {
        using var pastIssuer = new DevelopmentIssuer(_gateway.Folder, _gateway.Issuer.Issuer, new ShiftedClock(TimeSpan.FromHours(-2)));
        var expired = pastIssuer.Mint("agent-7", ["agents"], TimeSpan.FromMinutes(10), GatewayFixture.Audience);

        await AssertRefusedAsync(expired, "28P01", "token expired at");
    }

    [Fact]
    public async Task Token_for_another_audience_is_refused_naming_the_expected_one()
    {
        var token = _gateway.Token(audience: "api://somebody-else");

        await AssertRefusedAsync(token, "28P01", $"token audience 'api://somebody-else' is not '{GatewayFixture.Audience}'");
    }

    [Fact]
    public async Task Token_signed_by_a_key_the_issuer_does_not_publish_is_refused()
    {
        var otherFolder = Directory.CreateTempSubdirectory("ticketgate-other-issuer-").FullName;
        try
        {
            using var impostor = new DevelopmentIssuer(otherFolder, _gateway.Issuer.Issuer);
            var forged = impostor.Mint("agent-7", ["agents", "dba"], TimeSpan.FromMinutes(10), GatewayFixture.Audience);

            await AssertRefusedAsync(forged, "28P01", "which the issuer's JWKS does not list");
        }
        finally
        {
            Directory.Delete(otherFolder, recursive: true);
        }
    }

    [Fact]
    public async Task Garbage_password_is_refused_as_not_a_jwt()
    {
        await AssertRefusedAsync("hunter2-not-a-token", "28P01", "token is not a JWT");
    }

    [Fact]
    public async Task Token_over_16_KiB_is_refused_as_too_large()
    {
        var huge = _gateway.Token() + new string('A', 17 * 1024);

        await AssertRefusedAsync(huge, "28P01", "TicketGate accepts at most 16384");
    }

    [Fact]
    public async Task Password_message_far_over_the_token_limit_is_refused_before_it_is_read_whole()
    {
        var enormous = new string('A', 64 * 1024);

        await AssertRefusedAsync(enormous, "28P01", "it is over 16 KiB");
    }

    [Fact]
    public async Task Empty_password_is_refused_as_no_token()
    {
        // libpq and Npgsql won't send an empty password, so send it by hand.
        await using var client = await RawPostgresClient.ConnectAsync(_gateway.PostgresPort);
        await client.NegotiateTlsAsync(_gateway.CaFile);
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => client.LogInAsync(""));

        Assert.True(clock.Elapsed < Prompt, $"took {clock.Elapsed}");
        Assert.Contains("C=28P01", error.Message, StringComparison.Ordinal);
        Assert.Contains("no token was presented", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Valid_token_for_an_unknown_connection_names_it_and_lists_the_known_ones()
    {
        var clock = Stopwatch.StartNew();
        var psql = await _gateway.PsqlAsync(postgres, _gateway.Token(), ["-c", "SELECT 1"], connInfo: _gateway.PsqlConnInfo(database: "nosuchdb"));
        var builder = new NpgsqlConnectionStringBuilder(_gateway.NpgsqlConnectionString(_gateway.Token())) { Database = "nosuchdb", IncludeErrorDetail = true };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        var error = await Assert.ThrowsAsync<PostgresException>(() => connection.OpenAsync());

        Assert.True(clock.Elapsed < Prompt * 2, $"took {clock.Elapsed}");
        Assert.NotEqual(0, psql.ExitCode);
        Assert.Contains("TicketGate has no connection named \"nosuchdb\"", psql.StandardError, StringComparison.Ordinal);
        Assert.Contains("Connections: app", psql.StandardError, StringComparison.Ordinal);
        Assert.Equal("28000", error.SqlState);
        Assert.Equal("TicketGate has no connection named \"nosuchdb\"", error.MessageText);
        Assert.Equal("Connections: app", error.Detail);
    }

    /// <summary>The token is refused, promptly, with this SQLSTATE and message, both as psql prints it and as Npgsql reports it.</summary>
    private async Task AssertRefusedAsync(string token, string sqlState, string messagePart)
    {
        var clock = Stopwatch.StartNew();
        var psql = await _gateway.PsqlAsync(postgres, token, ["-c", "SELECT 1"]);
        Assert.True(clock.Elapsed < Prompt, $"psql took {clock.Elapsed}");
        Assert.NotEqual(0, psql.ExitCode);
        Assert.Contains("TicketGate refused the token", psql.StandardError, StringComparison.Ordinal);
        Assert.Contains(messagePart, psql.StandardError, StringComparison.Ordinal);

        clock.Restart();
        await using var connection = new NpgsqlConnection(_gateway.NpgsqlConnectionString(token));
        var error = await Assert.ThrowsAsync<PostgresException>(() => connection.OpenAsync());
        Assert.True(clock.Elapsed < Prompt, $"Npgsql took {clock.Elapsed}");
        Assert.Equal(sqlState, error.SqlState);
        Assert.Equal("FATAL", error.Severity);
        Assert.StartsWith("TicketGate refused the token: ", error.MessageText, StringComparison.Ordinal);
        Assert.Contains(messagePart, error.MessageText, StringComparison.Ordinal);
    }

    /// <summary>The system clock moved by a fixed amount, to mint tokens that expired long ago.</summary>
    private sealed class ShiftedClock(TimeSpan shift) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + shift;
    }
}
