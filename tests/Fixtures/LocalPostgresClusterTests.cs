using System.Net;
using System.Net.Sockets;
using Npgsql;
using TicketGate.Proxy.Hosting.LocalPostgres;

namespace TicketGate.Tests.Fixtures;

/// <summary>Lifecycle of a self-managed cluster: each test owns a private cluster folder under /tmp.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class LocalPostgresClusterTests(PostgresClusterFixture postgres) : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), PostgresClusterFixture.UniqueName(LeftoverClusters.FolderPrefix + "case"));
    private readonly List<LocalPostgresCluster> _clusters = [];

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Server_runs_under_the_postgres_account_when_started_by_root()
    {
        var cluster = await postgres.ClusterAsync();
        var serverUid = ProcessOwner(PostmasterPid(cluster));

        var expected = Environment.UserName == "root" ? await UserIdAsync("postgres") : await UserIdAsync(Environment.UserName);
        Assert.Equal(expected, serverUid);
    }

    [Fact]
    public async Task Second_cluster_over_the_same_folder_reuses_its_password_and_data()
    {
        await postgres.CopyInitializedClusterAsync(_folder);
        var first = Track(new LocalPostgresCluster(new LocalPostgresOptions { DataDirectory = _folder }));
        await first.StartAsync(cancellationToken: Cancellation);
        await ExecuteAsync(first, "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('still here')");
        var password = first.SuperuserPassword;
        await first.DisposeAsync();
        Assert.False(first.IsRunning);

        var second = Track(new LocalPostgresCluster(new LocalPostgresOptions { DataDirectory = _folder }));
        await second.StartAsync(cancellationToken: Cancellation);

        Assert.Equal(password, second.SuperuserPassword);
        Assert.Equal("still here", await ScalarAsync(second, "SELECT v FROM kept"));
    }

    [Fact]
    public async Task Superuser_password_file_is_readable_by_its_owner_only()
    {
        var cluster = await postgres.ClusterAsync();
        var passwordFile = Path.Combine(cluster.DataDirectory, "superuser.password");

        var mode = File.GetUnixFileMode(passwordFile);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, mode);
        Assert.Equal(cluster.SuperuserPassword, File.ReadAllText(passwordFile).Trim());
    }

    [Fact]
    public async Task Start_adopts_a_server_already_running_over_the_folder()
    {
        await postgres.CopyInitializedClusterAsync(_folder);
        var running = Track(new LocalPostgresCluster(new LocalPostgresOptions { DataDirectory = _folder, Ephemeral = true }));
        await running.StartAsync(cancellationToken: Cancellation);

        var second = Track(new LocalPostgresCluster(new LocalPostgresOptions { DataDirectory = _folder, Ephemeral = true }));
        await second.StartAsync(cancellationToken: Cancellation);

        Assert.Equal(running.Port, second.Port);
        Assert.Equal(1, await ScalarAsync(second, "SELECT 1"));
    }

    [Fact]
    public async Task Start_recovers_after_the_server_was_killed_and_keeps_the_data()
    {
        await postgres.CopyInitializedClusterAsync(_folder);
        var crashed = Track(new LocalPostgresCluster(new LocalPostgresOptions { DataDirectory = _folder }));
        await crashed.StartAsync(cancellationToken: Cancellation);
        await ExecuteAsync(crashed, "CREATE TABLE survivor (v int); INSERT INTO survivor VALUES (42)");
        await KillAndWaitAsync(PostmasterPid(crashed));
        Assert.True(File.Exists(Path.Combine(crashed.PgDataDirectory, "postmaster.pid")), "a killed server leaves its postmaster.pid behind");

        var restarted = Track(new LocalPostgresCluster(new LocalPostgresOptions { DataDirectory = _folder, Ephemeral = true }));
        await restarted.StartAsync(cancellationToken: Cancellation);

        Assert.Equal(42, await ScalarAsync(restarted, "SELECT v FROM survivor"));
    }

    [Fact]
    public async Task Start_ignores_a_postmaster_pid_naming_another_clusters_server()
    {
        await postgres.CopyInitializedClusterAsync(_folder);
        var cluster = Track(new LocalPostgresCluster(new LocalPostgresOptions { DataDirectory = _folder, Ephemeral = true }));
        await cluster.StartAsync(cancellationToken: Cancellation);
        var pidFile = Path.Combine(cluster.PgDataDirectory, "postmaster.pid");
        var lines = await File.ReadAllLinesAsync(pidFile, Cancellation);
        await cluster.StopAsync(Cancellation);
        // As after a crash whose process id was reused: the id is alive, and even a PostgreSQL server, but not ours.
        var shared = await postgres.ClusterAsync();
        lines[0] = PostmasterPid(shared).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await File.WriteAllLinesAsync(pidFile, lines, Cancellation);

        var again = Track(new LocalPostgresCluster(new LocalPostgresOptions { DataDirectory = _folder, Ephemeral = true }));
        await again.StartAsync(cancellationToken: Cancellation);

        Assert.NotEqual(shared.Port, again.Port);
        Assert.Equal(_folder + "/pgdata", await ScalarAsync(again, "SELECT current_setting('data_directory')"));
    }

    [Fact]
    public async Task Missing_server_programs_name_the_package_to_install()
    {
        var emptyBin = Directory.CreateDirectory(Path.Combine(_folder, "empty-bin")).FullName;
        var cluster = Track(new LocalPostgresCluster(new LocalPostgresOptions { DataDirectory = Path.Combine(_folder, "data"), BinDirectory = emptyBin }));

        var error = await Assert.ThrowsAsync<PostgresBinariesNotFoundException>(() => cluster.StartAsync(cancellationToken: Cancellation));

        Assert.Contains("apt-get install postgresql", error.Message, StringComparison.Ordinal);
        Assert.Contains(emptyBin, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Data_folder_the_server_account_cannot_enter_is_refused_with_advice()
    {
        Assert.SkipUnless(Environment.UserName == "root", "Only root hands the server to another account.");
        Directory.CreateDirectory(_folder);
        File.SetUnixFileMode(_folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var cluster = Track(new LocalPostgresCluster(new LocalPostgresOptions { DataDirectory = Path.Combine(_folder, "demo") }));

        var error = await Assert.ThrowsAsync<LocalPostgresException>(() => cluster.StartAsync(cancellationToken: Cancellation));

        Assert.Contains($"cannot enter '{_folder}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("--data-dir", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_on_a_taken_port_fails_with_the_server_log()
    {
        await postgres.CopyInitializedClusterAsync(_folder);
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var taken = ((IPEndPoint)squatter.LocalEndpoint).Port;
        var cluster = Track(new LocalPostgresCluster(new LocalPostgresOptions { DataDirectory = _folder, Ephemeral = true }));

        var error = await Assert.ThrowsAsync<LocalPostgresException>(() => cluster.StartAsync(taken, Cancellation));

        Assert.Contains($"Port {taken} is in use", error.Message, StringComparison.Ordinal);
        Assert.Contains("Server log", error.Message, StringComparison.Ordinal);
        Assert.Contains("could not", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Disposing_an_ephemeral_cluster_stops_it_and_deletes_its_folder()
    {
        await postgres.CopyInitializedClusterAsync(_folder);
        var cluster = new LocalPostgresCluster(new LocalPostgresOptions { DataDirectory = _folder, Ephemeral = true });
        await cluster.StartAsync(cancellationToken: Cancellation);
        var connectionString = cluster.ConnectionString();

        await cluster.DisposeAsync();

        Assert.False(Directory.Exists(_folder));
        await using var connection = new NpgsqlConnection(connectionString);
        await Assert.ThrowsAnyAsync<NpgsqlException>(() => connection.OpenAsync(Cancellation));
    }

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        foreach (var cluster in _clusters) await cluster.DisposeAsync();
        if (Directory.Exists(_folder))
        {
            // Non-ephemeral clusters in these tests leave their folder; a last ephemeral pass stops and deletes it.
            await using var sweeper = new LocalPostgresCluster(new LocalPostgresOptions { DataDirectory = _folder, Ephemeral = true });
            try { await sweeper.StopAsync(); } catch (LocalPostgresException) { }
            if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
        }
    }

    private LocalPostgresCluster Track(LocalPostgresCluster cluster)
    {
        _clusters.Add(cluster);
        return cluster;
    }

    private static async Task ExecuteAsync(LocalPostgresCluster cluster, string sql)
    {
        await using var connection = new NpgsqlConnection(cluster.ConnectionString());
        await connection.OpenAsync(Cancellation);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(Cancellation);
    }

    private static async Task<object?> ScalarAsync(LocalPostgresCluster cluster, string sql)
    {
        await using var connection = new NpgsqlConnection(cluster.ConnectionString());
        await connection.OpenAsync(Cancellation);
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync(Cancellation);
    }

    private static int PostmasterPid(LocalPostgresCluster cluster) =>
        int.Parse(File.ReadLines(Path.Combine(cluster.PgDataDirectory, "postmaster.pid")).First(), System.Globalization.CultureInfo.InvariantCulture);

    private static int ProcessOwner(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("Uid:", StringComparison.Ordinal))
                return int.Parse(line.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);
        }
        throw new InvalidOperationException($"/proc/{pid}/status has no Uid line");
    }

    private static async Task<int> UserIdAsync(string user)
    {
        using var id = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("id", ["-u", user]) { RedirectStandardOutput = true })!;
        var output = await id.StandardOutput.ReadToEndAsync(Cancellation);
        await id.WaitForExitAsync(Cancellation);
        return int.Parse(output.Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Simulates a crash: SIGKILL the postmaster and wait until it and its children are gone.</summary>
    private static async Task KillAndWaitAsync(int postmaster)
    {
        System.Diagnostics.Process.GetProcessById(postmaster).Kill();
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (Directory.Exists($"/proc/{postmaster}") && DateTime.UtcNow < deadline) await Task.Delay(20, Cancellation);
        Assert.False(Directory.Exists($"/proc/{postmaster}"), "the killed postmaster did not exit");
    }
}
