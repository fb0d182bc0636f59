using Npgsql;
using TicketGate.Tests.Fixtures;

namespace TicketGate.Tests.Postgres.Startup;

public sealed class StartupParameterTests(PostgresClusterFixture postgres, SharedGateway shared) : IClassFixture<SharedGateway>
{
    private readonly GatewayFixture _gateway = shared.Gateway;

    [Fact]
    public async Task Role_in_options_is_refused_with_42501_through_psql()
    {
        var result = await PsqlWithAsync(new() { ["PGOPTIONS"] = "-c role=postgres" });

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("start-up parameter \"role\" is not allowed through TicketGate", result.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-c role=postgres", "\"role\"")]
    [InlineData("--role=postgres", "\"role\"")]
    [InlineData("-csession_authorization=postgres", "\"session_authorization\"")]
    [InlineData("-c standard_conforming_strings=off", "standard_conforming_strings must stay on")]
    [InlineData("-P", "\"-P\"")]
    public async Task Identity_and_parser_changing_options_are_refused_with_42501_through_npgsql(string options, string messagePart)
    {
        var error = await OpenFailsAsync(b => b.Options = options);

        Assert.Equal("42501", error.SqlState);
        Assert.Contains(messagePart, error.MessageText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Standard_conforming_strings_off_as_a_start_up_parameter_is_refused()
    {
        await using var client = await RawPostgresClient.ConnectAsync(_gateway.PostgresPort);
        await client.NegotiateTlsAsync(_gateway.CaFile);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => client.LogInAsync(_gateway.Token(), extra: [("standard_conforming_strings", "off")]));

        Assert.Contains("C=42501", error.Message, StringComparison.Ordinal);
        Assert.Contains("standard_conforming_strings must stay on", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Application_name_reaches_the_upstream_session()
    {
        var result = await _gateway.PsqlAsync(postgres, _gateway.Token(),
            ["-At", "-c", "SELECT current_setting('application_name') || '|' || application_name FROM pg_stat_activity WHERE pid = pg_backend_pid()"],
            connInfo: _gateway.PsqlConnInfo() + " application_name=nightly-report");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("nightly-report|nightly-report", result.StandardOutput.Trim());
    }

    [Fact]
    public async Task Allowed_setting_in_options_reaches_the_upstream_session()
    {
        var result = await PsqlWithAsync(new() { ["PGOPTIONS"] = "-c statement_timeout=4321" }, "SHOW statement_timeout");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("4321ms", result.StandardOutput.Trim());
    }

    [Fact]
    public async Task Sjis_client_encoding_is_refused_through_psql()
    {
        var result = await PsqlWithAsync(new() { ["PGCLIENTENCODING"] = "SJIS" });

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("client_encoding SJIS is not allowed through TicketGate", result.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("SJIS")]
    [InlineData("Shift_JIS_2004")]
    [InlineData("windows932")]
    [InlineData("windows950")]
    [InlineData("BIG5")]
    [InlineData("G.B.K")]
    [InlineData("LATIN1")]
    public async Task Client_encodings_other_than_utf8_are_refused_whatever_alias_names_them(string encoding)
    {
        await using var client = await RawPostgresClient.ConnectAsync(_gateway.PostgresPort);
        await client.NegotiateTlsAsync(_gateway.CaFile);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => client.LogInAsync(_gateway.Token(), extra: [("client_encoding", encoding)]));

        Assert.Contains("C=42501", error.Message, StringComparison.Ordinal);
        Assert.Contains($"client_encoding {encoding} is not allowed", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("UTF8")]
    [InlineData("utf-8")]
    [InlineData("UNICODE")]
    [InlineData("SQL_ASCII")]
    public async Task Utf8_client_encodings_are_accepted(string encoding)
    {
        await using var client = await RawPostgresClient.ConnectAsync(_gateway.PostgresPort);
        await client.NegotiateTlsAsync(_gateway.CaFile);

        await client.LogInAsync(_gateway.Token(), extra: [("client_encoding", encoding)]);

        Assert.Equal("1", await client.ScalarAsync("SELECT 1"));
    }

    [Fact]
    public async Task Replication_connection_is_refused_as_unsupported()
    {
        var psql = await _gateway.PsqlAsync(postgres, _gateway.Token(), ["-c", "IDENTIFY_SYSTEM"],
            connInfo: _gateway.PsqlConnInfo() + " replication=database");
        await using var replication = new Npgsql.Replication.LogicalReplicationConnection(_gateway.NpgsqlConnectionString(_gateway.Token()));
        var error = await Assert.ThrowsAsync<PostgresException>(() => replication.Open());

        Assert.NotEqual(0, psql.ExitCode);
        Assert.Contains("replication connections are not supported through TicketGate", psql.StandardError, StringComparison.Ordinal);
        Assert.Equal("0A000", error.SqlState);
    }

    private Task<PsqlResult> PsqlWithAsync(Dictionary<string, string?> environment, string sql = "SELECT 1")
    {
        environment["PGPASSWORD"] = _gateway.Token();
        return postgres.RunPsqlAsync(["-X", "-At", "-c", sql, _gateway.PsqlConnInfo()], environment);
    }

    private async Task<PostgresException> OpenFailsAsync(Action<NpgsqlConnectionStringBuilder> change)
    {
        var builder = new NpgsqlConnectionStringBuilder(_gateway.NpgsqlConnectionString(_gateway.Token()));
        change(builder);
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        return await Assert.ThrowsAsync<PostgresException>(() => connection.OpenAsync());
    }
}
