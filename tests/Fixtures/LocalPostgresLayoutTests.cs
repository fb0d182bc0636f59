using System.Text;
using Npgsql;
using TicketGate.Proxy.Hosting.LocalPostgres;

namespace TicketGate.Tests.Fixtures;

public sealed class LocalPostgresLayoutTests(PostgresClusterFixture postgres)
{
    [Fact]
    public void Socket_folder_moves_under_tmp_when_the_data_folder_path_is_too_long_for_a_socket()
    {
        var longHome = "/var/lib/" + new string('d', 120);

        var layout = new ClusterLayout(longHome);

        Assert.StartsWith("/tmp/ticketgate-pg-", layout.SocketDirectory, StringComparison.Ordinal);
        Assert.True(Encoding.UTF8.GetByteCount(layout.SocketDirectory + "/.s.PGSQL.65535") < 108);
        Assert.Equal(layout.SocketDirectory, new ClusterLayout(longHome).SocketDirectory);
    }

    [Fact]
    public void Socket_folder_stays_inside_a_short_data_folder()
    {
        var layout = new ClusterLayout("/var/lib/ticketgate/demo");

        Assert.Equal("/var/lib/ticketgate/demo/run", layout.SocketDirectory);
    }

    [Fact]
    public async Task Server_programs_are_found_without_configuration()
    {
        var binaries = await PostgresBinaries.LocateAsync(explicitDirectory: null, TestContext.Current.CancellationToken);

        Assert.True(File.Exists(binaries.InitDb));
        Assert.True(File.Exists(binaries.PgCtl));
        Assert.True(File.Exists(binaries.Psql));
    }

    [Fact]
    public async Task Ephemeral_test_cluster_listens_on_loopback_without_durability()
    {
        await using var connection = new NpgsqlConnection(postgres.ConnectionString());
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand(
            "SELECT current_setting('listen_addresses') || ' ' || current_setting('fsync') || ' ' || current_setting('max_connections') " +
            "|| ' ' || current_setting('server_encoding') || ' ' || current_setting('password_encryption')", connection);

        var settings = await command.ExecuteScalarAsync(TestContext.Current.CancellationToken);

        Assert.Equal("127.0.0.1 off 1000 UTF8 scram-sha-256", settings);
    }
}
