using System.Globalization;
using System.Security.Cryptography;
using TicketGate.Proxy.Hosting.LocalPostgres;
using TicketGate.Tests.Fixtures;

[assembly: AssemblyFixture(typeof(PostgresClusterFixture))]

namespace TicketGate.Tests.Fixtures;

/// <summary>
/// One throwaway PostgreSQL cluster for the whole test run, started on first use (tests that never touch PostgreSQL
/// never pay for it) and deleted when the run ends. Take it as a constructor parameter.
/// </summary>
public sealed class PostgresClusterFixture : IAsyncDisposable
{
    private readonly Lazy<Task<LocalPostgresCluster>> _cluster;
    private readonly Lazy<Task<LocalPostgresCluster>> _template;
    private readonly string _templateDirectory;

    public PostgresClusterFixture()
    {
        var token = RandomToken();
        DataDirectory = Path.Combine(Path.GetTempPath(), LeftoverClusters.FolderPrefix + token);
        _templateDirectory = Path.Combine(Path.GetTempPath(), LeftoverClusters.FolderPrefix + token + "-template");
        _cluster = new Lazy<Task<LocalPostgresCluster>>(StartAsync, LazyThreadSafetyMode.ExecutionAndPublication);
        _template = new Lazy<Task<LocalPostgresCluster>>(InitializeTemplateAsync, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The cluster's folder under /tmp, deleted at the end of the run.</summary>
    public string DataDirectory { get; }

    /// <summary>The running cluster, started on the first call.</summary>
    public Task<LocalPostgresCluster> ClusterAsync() => _cluster.Value;

    /// <summary>The running cluster; blocks on the first call while it starts (a couple of seconds).</summary>
    public LocalPostgresCluster Cluster => _cluster.IsValueCreated && _cluster.Value.IsCompletedSuccessfully
        ? _cluster.Value.Result
        : Task.Run(ClusterAsync).GetAwaiter().GetResult();

    public int Port => Cluster.Port;

    public string SuperuserPassword => Cluster.SuperuserPassword;

    /// <summary>The psql beside the server programs the cluster runs.</summary>
    public string PsqlPath => Cluster.Binaries.Psql;

    /// <summary>Superuser connection string (no pooling).</summary>
    public string ConnectionString(string database = "postgres") => Cluster.ConnectionString(database);

    /// <summary>Connection string for another role.</summary>
    public string ConnectionString(string database, string username, string password) =>
        Cluster.ConnectionString(database, username, password);

    /// <summary>Creates the database if missing and returns a superuser connection string to it.</summary>
    public async Task<string> CreateDatabaseAsync(string name, string? owner = null)
    {
        var cluster = await ClusterAsync();
        await cluster.CreateDatabaseAsync(name, owner);
        return cluster.ConnectionString(name);
    }

    /// <summary>A fresh database with a unique name ("prefix_1a2b3c4d"), so test classes never share state.</summary>
    public async Task<(string Name, string ConnectionString)> CreateUniqueDatabaseAsync(string prefix = "test")
    {
        var name = UniqueName(prefix);
        return (name, await CreateDatabaseAsync(name));
    }

    /// <summary>Creates a LOGIN role with a SCRAM password (or resets the password of an existing one).</summary>
    public async Task CreateLoginRoleAsync(string role, string password)
    {
        var cluster = await ClusterAsync();
        await cluster.EnsureLoginRoleAsync(role, password);
    }

    /// <summary>psql arguments that reach this cluster over TCP as <paramref name="user"/> (password via PGPASSWORD or stdin).</summary>
    public IReadOnlyList<string> PsqlConnectionArguments(string database, string user = LocalPostgresCluster.Superuser) =>
        ["-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "-U", user, "-d", database];

    /// <summary>
    /// Runs the real psql binary with these arguments; the caller's PG* variables are cleared and ~/.psqlrc is ignored,
    /// <paramref name="environment"/> adds variables (PGPASSWORD…).
    /// </summary>
    public async Task<PsqlResult> RunPsqlAsync(
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string?>? environment = null,
        string? standardInput = null,
        TimeSpan? timeout = null)
    {
        var cluster = await ClusterAsync();
        var variables = new Dictionary<string, string?> { ["PSQLRC"] = "/dev/null", ["PGCONNECT_TIMEOUT"] = "10" };
        if (environment is not null)
        {
            foreach (var (name, value) in environment) variables[name] = value;
        }
        var result = await ChildProcess.RunAsync(
            cluster.Binaries.Psql, arguments, timeout ?? TimeSpan.FromSeconds(30), variables, standardInput);
        return new PsqlResult(result.ExitCode, result.StandardOutput, result.StandardError);
    }

    public static string UniqueName(string prefix) => prefix + "_" + RandomToken();

    /// <summary>
    /// Fills <paramref name="folder"/> with an initialized, stopped cluster of its own (superuser password included),
    /// copied from a template made once per run: far quicker than initdb for tests that need a private cluster.
    /// </summary>
    public async Task CopyInitializedClusterAsync(string folder)
    {
        var template = await _template.Value;
        var copy = await ChildProcess.RunAsync("cp", ["-a", "--", template.DataDirectory, folder], TimeSpan.FromSeconds(60));
        if (copy.ExitCode != 0) throw new InvalidOperationException($"Copying the template cluster to '{folder}' failed: {copy.CombinedOutput}");
    }

    public async ValueTask DisposeAsync()
    {
        await DisposeStartedAsync(_cluster, DataDirectory);
        await DisposeStartedAsync(_template, _templateDirectory);
    }

    private static async Task DisposeStartedAsync(Lazy<Task<LocalPostgresCluster>> lazy, string folder)
    {
        if (!lazy.IsValueCreated) return;
        try
        {
            var cluster = await lazy.Value;
            await cluster.DisposeAsync();
        }
        catch (LocalPostgresException)
        {
            // Start failed and every test using the cluster already reported why; there is nothing left to stop.
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    private async Task<LocalPostgresCluster> InitializeTemplateAsync()
    {
        LeftoverClusters.MarkOwned(_templateDirectory);
        var template = new LocalPostgresCluster(new LocalPostgresOptions { DataDirectory = _templateDirectory, Ephemeral = true });
        // Copies keep the owner mark, so a killed run's private clusters are swept too.
        await template.EnsureInitializedAsync().ConfigureAwait(false);
        return template;
    }

    private async Task<LocalPostgresCluster> StartAsync()
    {
        await LeftoverClusters.SweepAsync().ConfigureAwait(false);
        LeftoverClusters.MarkOwned(DataDirectory);
        var cluster = new LocalPostgresCluster(new LocalPostgresOptions { DataDirectory = DataDirectory, Ephemeral = true, MaxConnections = 1000 });
        try
        {
            await cluster.StartAsync(port: 0).ConfigureAwait(false);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static string RandomToken() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
}

/// <summary>What a psql run printed and how it exited.</summary>
public sealed record PsqlResult(int ExitCode, string StandardOutput, string StandardError);
