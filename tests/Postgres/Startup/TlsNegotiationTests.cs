using System.Net.Security;
using Npgsql;
using TicketGate.Proxy.Postgres.Tls;
using TicketGate.Tests.Fixtures;

namespace TicketGate.Tests.Postgres.Startup;

public sealed class TlsNegotiationTests(PostgresClusterFixture postgres, SharedGateway shared) : IClassFixture<SharedGateway>
{
    private readonly GatewayFixture _gateway = shared.Gateway;

    [Fact]
    public async Task Psql_verifying_the_gateway_ca_connects_over_tls()
    {
        var result = await _gateway.PsqlAsync(postgres, _gateway.Token(), ["-c", "\\conninfo"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("SSL connection (protocol: TLS", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Psql_trusting_another_ca_refuses_the_gateway_certificate()
    {
        var otherCa = ListenerCertificate.EnsureDemoCertificate(Path.Combine(_gateway.Folder, "other-ca")).CaFile;

        var result = await _gateway.PsqlAsync(postgres, _gateway.Token(), ["-c", "SELECT 1"],
            connInfo: _gateway.PsqlConnInfo().Replace(_gateway.CaFile, otherCa, StringComparison.Ordinal));

        Assert.NotEqual(0, result.ExitCode);
        // The other demo CA has the same name, so OpenSSL reports a failed signature check ("EVP lib") rather than an unknown issuer.
        Assert.Matches("SSL error|certificate verify failed", result.StandardError);
        Assert.DoesNotContain("TicketGate", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Psql_without_tls_is_told_tokens_need_tls()
    {
        var result = await _gateway.PsqlAsync(postgres, _gateway.Token(), ["-c", "SELECT 1"], connInfo: _gateway.PsqlConnInfo(sslMode: "disable"));

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("TicketGate accepts tokens only over TLS", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Npgsql_without_tls_gets_28000_before_sending_its_token()
    {
        var builder = new NpgsqlConnectionStringBuilder(_gateway.NpgsqlConnectionString(_gateway.Token())) { SslMode = SslMode.Disable };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);

        var error = await Assert.ThrowsAsync<PostgresException>(() => connection.OpenAsync());

        Assert.Equal("28000", error.SqlState);
        Assert.Equal("TicketGate accepts tokens only over TLS", error.MessageText);
    }

    [Fact]
    public async Task Insecure_listener_without_certificate_accepts_plaintext_tokens()
    {
        await using var insecure = await GatewayFixture.StartAsync(postgres,
            o => o.WithListener(l => l.Copy(insecure: true, keepCertificate: false)));

        var result = await insecure.PsqlAsync(postgres, insecure.Token(), ["-At", "-c", "SELECT count(*) FROM items"],
            connInfo: insecure.PsqlConnInfo(sslMode: "disable"));

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("10", result.StandardOutput.Trim());
    }

    [Fact]
    public async Task Insecure_listener_without_certificate_answers_ssl_request_with_N()
    {
        await using var insecure = await GatewayFixture.StartAsync(postgres,
            o => o.WithListener(l => l.Copy(insecure: true, keepCertificate: false)));
        await using var client = await RawPostgresClient.ConnectAsync(insecure.PostgresPort);

        await client.SendAsync(RawPostgresClient.Packet(RawPostgresClient.SslRequestCode));

        Assert.Equal('N', await client.ReadByteAsync());
        await client.LogInAsync(insecure.Token());
        Assert.Equal("1", await client.ScalarAsync("SELECT 1"));
    }

    [Fact]
    public async Task Gssenc_request_is_declined_and_a_following_ssl_request_still_works()
    {
        await using var client = await RawPostgresClient.ConnectAsync(_gateway.PostgresPort);

        await client.SendAsync(RawPostgresClient.Packet(RawPostgresClient.GssEncRequestCode));
        Assert.Equal('N', await client.ReadByteAsync());
        await client.NegotiateTlsAsync(_gateway.CaFile);
        await client.LogInAsync(_gateway.Token());

        Assert.Equal("1", await client.ScalarAsync("SELECT 1"));
    }

    [Fact]
    public async Task Plaintext_sent_with_the_ssl_request_closes_the_connection_unanswered()
    {
        await using var client = await RawPostgresClient.ConnectAsync(_gateway.PostgresPort);

        // An attacker in the middle appends a start-up message and a query, hoping they are read as if they came through TLS.
        await client.SendAsync(
            RawPostgresClient.Packet(RawPostgresClient.SslRequestCode),
            RawPostgresClient.Startup(RawPostgresClient.Protocol30, ("user", "agent-7"), ("database", "app")),
            RawPostgresClient.Password(_gateway.Token()),
            RawPostgresClient.Query("DELETE FROM items"));

        Assert.Equal(-1, await client.ReadByteAsync());
        await using var target = new NpgsqlConnection(_gateway.TargetConnectionString);
        await target.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM items", target);
        Assert.Equal(10L, await count.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Second_ssl_request_inside_tls_is_refused()
    {
        await using var client = await RawPostgresClient.ConnectAsync(_gateway.PostgresPort);
        await client.NegotiateTlsAsync(_gateway.CaFile);

        await client.SendAsync(RawPostgresClient.Packet(RawPostgresClient.SslRequestCode));
        var answer = await client.ReadMessageAsync();

        Assert.NotNull(answer);
        Assert.Equal('E', answer.Code);
        Assert.Equal("08P01", answer.SqlState);
        Assert.Contains("already negotiated", answer.Text, StringComparison.Ordinal);
        Assert.True(await client.IsClosedAsync());
    }

    [Fact]
    public async Task Direct_tls_with_alpn_postgresql_runs_a_session()
    {
        await using var client = await RawPostgresClient.ConnectAsync(_gateway.PostgresPort);

        var tls = await client.StartTlsAsync(_gateway.CaFile, alpn: true);
        await client.LogInAsync(_gateway.Token());

        Assert.Equal(new SslApplicationProtocol("postgresql"), tls.NegotiatedApplicationProtocol);
        Assert.Equal("10", await client.ScalarAsync("SELECT count(*) FROM items"));
    }

    [Fact]
    public async Task Direct_tls_without_alpn_is_refused()
    {
        await using var client = await RawPostgresClient.ConnectAsync(_gateway.PostgresPort);

        // PostgreSQL 17 insists on ALPN for direct TLS, so a TLS connection meant for another protocol can't be replayed here.
        await client.StartTlsAsync(_gateway.CaFile, alpn: false);
        await client.SendAsync(RawPostgresClient.Startup(RawPostgresClient.Protocol30, ("user", "agent-7"), ("database", "app")));
        var answer = await client.ReadMessageAsync();

        Assert.True(answer is null || (answer.Code == 'E' && answer.SqlState == "08P01"), answer?.Describe());
        if (answer is not null) Assert.True(await client.IsClosedAsync());
    }

    [Fact]
    public async Task Tls_offering_only_another_application_protocol_is_refused()
    {
        await using var client = await RawPostgresClient.ConnectAsync(_gateway.PostgresPort);
        await client.SendAsync(RawPostgresClient.Packet(RawPostgresClient.SslRequestCode));
        Assert.Equal('S', await client.ReadByteAsync());

        // A client that says it speaks HTTP/2 is not a PostgreSQL client, whatever it sends next.
        var handshake = await Record.ExceptionAsync(() => client.StartTlsAsync(_gateway.CaFile, "h2"));

        Assert.IsType<System.Security.Authentication.AuthenticationException>(handshake);
    }
}
