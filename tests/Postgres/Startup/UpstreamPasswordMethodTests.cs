using Npgsql;
using TicketGate.Proxy.Configuration;
using TicketGate.Proxy.Hosting.LocalPostgres;
using TicketGate.Tests.Fixtures;

namespace TicketGate.Tests.Postgres.Startup;

/// <summary>
/// The upstream asking for md5 or a cleartext password instead of SCRAM. The shared cluster only speaks SCRAM, so these run
/// against a private copy whose pg_hba.conf asks for md5 and password for two roles of their own.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class UpstreamPasswordMethodTests(PostgresClusterFixture postgres) : IAsyncLifetime
{
    private const string Md5Role = "md5_upstream";
    private const string CleartextRole = "cleartext_upstream";
    private readonly string _folder = Path.Combine(Path.GetTempPath(), PostgresClusterFixture.UniqueName(LeftoverClusters.FolderPrefix + "hba"));
    private LocalPostgresCluster _cluster = null!;

    public async ValueTask InitializeAsync()
    {
        await postgres.CopyInitializedClusterAsync(_folder);
        _cluster = new LocalPostgresCluster(new LocalPostgresOptions { DataDirectory = _folder, Ephemeral = true });
        await _cluster.StartAsync();
        var hba = Path.Combine(_cluster.PgDataDirectory, "pg_hba.conf");
        await File.WriteAllTextAsync(hba,
            $"host all {Md5Role} 127.0.0.1/32 md5\nhost all {CleartextRole} 127.0.0.1/32 password\n" + await File.ReadAllTextAsync(hba));
        await using var connection = new NpgsqlConnection(_cluster.ConnectionString());
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"""
            SELECT pg_reload_conf();
            SET password_encryption = 'md5';
            CREATE ROLE {Md5Role} LOGIN PASSWORD 'md5-secret';
            RESET password_encryption;
            CREATE ROLE {CleartextRole} LOGIN PASSWORD 'cleartext-secret';
            """, connection);
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Upstream_asking_for_md5_and_for_a_cleartext_password_both_authenticate()
    {
        var secrets = Directory.CreateTempSubdirectory("ticketgate-hba-secrets-").FullName;
        await File.WriteAllTextAsync(Path.Combine(secrets, "md5"), "md5-secret");
        await File.WriteAllTextAsync(Path.Combine(secrets, "cleartext"), "cleartext-secret\n");
        await using var gateway = await GatewayFixture.StartAsync(postgres, o =>
        {
            var app = o.Connections[GatewayFixture.Connection];
            return o.WithConnection(Private(app, "viamd5", Md5Role, Path.Combine(secrets, "md5")))
                .WithConnection(Private(app, "viacleartext", CleartextRole, Path.Combine(secrets, "cleartext")));
        });

        var md5 = await gateway.PsqlAsync(postgres, gateway.Token(), ["-At", "-c", "SELECT current_user"], connInfo: gateway.PsqlConnInfo(database: "viamd5"));
        var cleartext = await gateway.PsqlAsync(postgres, gateway.Token(), ["-At", "-c", "SELECT current_user"],
            connInfo: gateway.PsqlConnInfo(database: "viacleartext"));

        Assert.True(await StoredAsMd5Async(Md5Role), "the md5 role's password should be stored as an md5 hash, so only md5 can check it");
        Assert.Equal(0, md5.ExitCode);
        Assert.Equal(Md5Role, md5.StandardOutput.Trim());
        Assert.Equal(0, cleartext.ExitCode);
        Assert.Equal(CleartextRole, cleartext.StandardOutput.Trim());
        Directory.Delete(secrets, recursive: true);
    }

    private ConnectionDefinition Private(ConnectionDefinition template, string name, string role, string passwordFile) => new()
    {
        Name = name,
        Host = "127.0.0.1",
        Port = _cluster.Port,
        Database = "postgres",
        User = role,
        Password = SecretReference.FromFile(passwordFile),
        Tags = template.Tags,
        ApproverGroups = template.ApproverGroups,
        SslMode = "disable",
    };

    private async Task<bool> StoredAsMd5Async(string role)
    {
        await using var connection = new NpgsqlConnection(_cluster.ConnectionString());
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT rolpassword LIKE 'md5%' FROM pg_authid WHERE rolname = @role", connection);
        command.Parameters.AddWithValue("role", role);
        return (bool)(await command.ExecuteScalarAsync())!;
    }
}
