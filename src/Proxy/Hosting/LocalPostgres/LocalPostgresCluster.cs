using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace TicketGate.Proxy.Hosting.LocalPostgres;

/// <summary>
/// A PostgreSQL cluster TicketGate creates and runs itself, for the demo, tests and benchmarks:
/// initdb once into a folder, pg_ctl start/stop on loopback, superuser <c>postgres</c> with a generated password.
/// </summary>
public sealed partial class LocalPostgresCluster : IAsyncDisposable
{
    public const string Superuser = "postgres";
    private const int PortAttempts = 3;

    private readonly LocalPostgresOptions _options;
    private readonly ClusterLayout _layout;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private PostgresBinaries? _binaries;
    private ServerAccount? _account;
    private string? _password;
    private int _port;
    private bool _running;
    private bool _disposed;

    public LocalPostgresCluster(LocalPostgresOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.DataDirectory);
        _options = options;
        _layout = new ClusterLayout(Path.GetFullPath(options.DataDirectory));
        _logger = options.Logger;
    }

    /// <summary>The cluster's home folder (see <see cref="LocalPostgresOptions.DataDirectory"/>).</summary>
    public string DataDirectory => _layout.Home;

    /// <summary>The folder PostgreSQL itself owns (initdb's target).</summary>
    public string PgDataDirectory => _layout.PgData;

    public string LogFile => _layout.LogFile;

    /// <summary>The TCP port on 127.0.0.1, once started.</summary>
    public int Port => _running ? _port : throw NotStarted();

    public bool IsRunning => _running;

    /// <summary>Folder of the server programs, once initialized.</summary>
    public string BinDirectory => (_binaries ?? throw NotInitialized()).Directory;

    public PostgresBinaries Binaries => _binaries ?? throw NotInitialized();

    public string SuperuserPassword => _password ?? throw NotInitialized();

    /// <summary>Creates the cluster with initdb unless the folder already holds one; safe to call again.</summary>
    public async Task EnsureInitializedAsync(CancellationToken cancellationToken = default)
    {
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await InitializeCoreAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>
    /// Starts the server on 127.0.0.1 (<paramref name="port"/> 0 picks a free one), initializing first if needed.
    /// A server already running over this folder is adopted; a postmaster.pid left by a crash is recovered from.
    /// </summary>
    public async Task StartAsync(int port = 0, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, IPEndPoint.MaxPort);
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_running && (port == 0 || port == _port)) return;
            if (_running) await StopCoreAsync(cancellationToken).ConfigureAwait(false);
            await InitializeCoreAsync(cancellationToken).ConfigureAwait(false);
            if (await TryAdoptRunningServerAsync(port, cancellationToken).ConfigureAwait(false)) return;
            await StartServerAsync(port, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Stops the server (fast shutdown: sessions are disconnected, in-flight transactions roll back).</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await StopCoreAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Stops the server; an ephemeral cluster also deletes its folder.</summary>
    public async ValueTask DisposeAsync()
    {
        await _lifecycle.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed) return;
            _disposed = true;
            await StopCoreAsync(CancellationToken.None).ConfigureAwait(false);
            if (_options.Ephemeral) _layout.Delete();
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>An Npgsql connection string for the superuser. Pooling is off unless asked for, so DROP DATABASE is never blocked by idle pooled sessions.</summary>
    public string ConnectionString(string database = "postgres", bool pooling = false) =>
        new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = Port,
            Database = database,
            Username = Superuser,
            Password = SuperuserPassword,
            Pooling = pooling,
            SslMode = SslMode.Disable,
            Timeout = 15,
            IncludeErrorDetail = true,
        }.ConnectionString;

    /// <summary>A connection string for another role, on the same server.</summary>
    public string ConnectionString(string database, string username, string password, bool pooling = false) =>
        new NpgsqlConnectionStringBuilder(ConnectionString(database, pooling)) { Username = username, Password = password }.ConnectionString;

    /// <summary>Creates the database unless it exists. Returns true when it was created.</summary>
    public async Task<bool> CreateDatabaseAsync(string name, string? owner = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        await using var connection = new NpgsqlConnection(ConnectionString());
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection))
        {
            exists.Parameters.Add(new NpgsqlParameter { Value = name });
            if (await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not null) return false;
        }
        var sql = "CREATE DATABASE " + SqlText.Identifier(name) + (owner is null ? "" : " OWNER " + SqlText.Identifier(owner));
        await using var create = new NpgsqlCommand(sql, connection);
        try
        {
            await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DuplicateDatabase)
        {
            return false;
        }
    }

    /// <summary>
    /// Creates a LOGIN role with this password (stored as a SCRAM verifier), or resets the password of an existing one.
    /// Returns true when the role was created.
    /// </summary>
    public async Task<bool> EnsureLoginRoleAsync(string role, string password, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(role);
        ArgumentNullException.ThrowIfNull(password);
        await using var connection = new NpgsqlConnection(ConnectionString());
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        bool exists;
        await using (var lookup = new NpgsqlCommand("SELECT 1 FROM pg_roles WHERE rolname = $1", connection))
        {
            lookup.Parameters.Add(new NpgsqlParameter { Value = role });
            exists = await lookup.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not null;
        }
        var sql = (exists ? "ALTER ROLE " : "CREATE ROLE ") + SqlText.Identifier(role) + " LOGIN PASSWORD " + SqlText.Literal(password);
        await using var command = new NpgsqlCommand(sql, connection);
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return !exists;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DuplicateObject)
        {
            return false;
        }
    }

    private async Task InitializeCoreAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_password is not null) return;
        var (binaries, account) = await ResolveToolsAsync(cancellationToken).ConfigureAwait(false);

        _layout.CreateHome();
        await account.EnsureCanReachAsync(_layout.Home, cancellationToken).ConfigureAwait(false);

        if (_layout.HasCluster)
        {
            _password = SecretFile.TryRead(_layout.PasswordFile) ?? throw new LocalPostgresException(
                $"The folder '{_layout.Home}' holds a PostgreSQL cluster but its superuser password file '{_layout.PasswordFile}' is missing. " +
                "Restore that file, or delete the folder to start over with a new cluster.");
            return;
        }

        var (password, _) = SecretFile.ReadOrCreate(_layout.PasswordFile);
        Log.Initializing(_logger, _layout.PgData, binaries.Directory, account.Name);
        await RunInitDbAsync(password, cancellationToken).ConfigureAwait(false);
        _password = password;
    }

    private async Task RunInitDbAsync(string password, CancellationToken cancellationToken)
    {
        var account = _account!;
        _layout.CreatePgData();
        // initdb reads the password from a file the server account can open; it lives only as long as initdb runs.
        var pwfile = _layout.InitDbPasswordFile;
        if (File.Exists(pwfile)) File.Delete(pwfile);
        UnixFiles.WriteNewOwnerOnly(pwfile, password + "\n");
        try
        {
            await account.TakeOwnershipAsync([_layout.PgData, pwfile], recursive: false, cancellationToken).ConfigureAwait(false);
            List<string> arguments =
            [
                "-D", _layout.PgData, "-U", Superuser, "--pwfile", pwfile, "--auth=scram-sha-256",
                "--encoding=UTF8", "--locale=" + ClusterLayout.PreferredLocale(), "--no-instructions",
            ];
            if (_options.Ephemeral) arguments.Add("--no-sync");
            var result = await account.RunAsync(_binaries!.InitDb, arguments, _options.CommandTimeout, cancellationToken).ConfigureAwait(false);
            if (result.ExitCode != 0)
                throw new LocalPostgresException($"initdb could not create a cluster in '{_layout.PgData}' (exit code {result.ExitCode}):{Environment.NewLine}{result.CombinedOutput}");
        }
        finally
        {
            File.Delete(pwfile);
        }
        _layout.EnsureSettingsIncluded();
    }

    private async Task<bool> TryAdoptRunningServerAsync(int port, CancellationToken cancellationToken)
    {
        var pid = _layout.ReadPostmasterPid();
        if (pid is null) return false;
        var status = await PgCtlAsync(["status", "-D", _layout.PgData], cancellationToken).ConfigureAwait(false);
        if (status.ExitCode != 0) return false; // Not running: postgres clears a stale postmaster.pid itself.

        if (!_layout.IsServerProcess(pid.Value.ProcessId))
        {
            // The crashed server's process id now belongs to another program; postgres would refuse to start.
            Log.RemovingStalePidFile(_logger, pid.Value.ProcessId);
            File.Delete(_layout.PidFile);
            return false;
        }

        if (port != 0 && port != pid.Value.Port)
        {
            Log.RestartingOnNewPort(_logger, pid.Value.Port, port);
            _running = true;
            _port = pid.Value.Port;
            await StopCoreAsync(cancellationToken).ConfigureAwait(false);
            return false;
        }

        _port = pid.Value.Port;
        _running = true;
        Log.Adopted(_logger, _port, pid.Value.ProcessId);
        return true;
    }

    private async Task StartServerAsync(int requestedPort, CancellationToken cancellationToken)
    {
        var account = _account!;
        _layout.PrepareRuntimeFiles();
        _layout.EnsureSettingsIncluded();

        for (var attempt = 1; ; attempt++)
        {
            var port = requestedPort != 0 ? requestedPort : ClusterLayout.FreeLoopbackPort();
            await WriteSettingsAsync(port, cancellationToken).ConfigureAwait(false);
            await account.TakeOwnershipAsync([_layout.SocketDirectory, _layout.LogFile, _layout.SettingsFile], recursive: false, cancellationToken)
                .ConfigureAwait(false);
            var logLength = _layout.LogLength();
            var timeoutSeconds = Math.Max(5, (int)_options.CommandTimeout.TotalSeconds - 5);
            var result = await PgCtlAsync(
                ["start", "-D", _layout.PgData, "-l", _layout.LogFile, "-w", "-t", timeoutSeconds.ToString(CultureInfo.InvariantCulture), "-s"],
                cancellationToken).ConfigureAwait(false);
            if (result.ExitCode == 0)
            {
                _port = port;
                _running = true;
                Log.Started(_logger, port, _layout.PgData);
                return;
            }

            var logTail = _layout.ReadLogSince(logLength);
            var portTaken = logTail.Contains("could not bind", StringComparison.Ordinal) || logTail.Contains("Address already in use", StringComparison.Ordinal);
            if (requestedPort == 0 && portTaken && attempt < PortAttempts) continue;
            throw new LocalPostgresException(
                $"PostgreSQL did not start from '{_layout.PgData}' on 127.0.0.1:{port} (pg_ctl exit code {result.ExitCode})." +
                (portTaken && requestedPort != 0 ? $" Port {port} is in use; choose another port or stop what listens there." : "") +
                $"{Environment.NewLine}pg_ctl: {result.CombinedOutput}{Environment.NewLine}Server log ({_layout.LogFile}), last lines:{Environment.NewLine}{ClusterLayout.LastLines(logTail, 30)}");
        }
    }

    private async Task WriteSettingsAsync(int port, CancellationToken cancellationToken)
    {
        var settings = new StringBuilder()
            .AppendLine("# Written by TicketGate on every start; edits are overwritten.")
            .AppendLine("listen_addresses = '127.0.0.1'")
            .Append("port = ").Append(port.ToString(CultureInfo.InvariantCulture)).AppendLine()
            .Append("unix_socket_directories = ").AppendLine(SqlText.Literal(_layout.SocketDirectory))
            .Append("max_connections = ").Append(_options.MaxConnections.ToString(CultureInfo.InvariantCulture)).AppendLine()
            .AppendLine("password_encryption = 'scram-sha-256'")
            .AppendLine("logging_collector = off");
        if (_options.Ephemeral)
        {
            // A throwaway cluster trades crash safety for speed.
            settings.AppendLine("fsync = off").AppendLine("synchronous_commit = off").AppendLine("full_page_writes = off");
        }
        await File.WriteAllTextAsync(_layout.SettingsFile, settings.ToString(), cancellationToken).ConfigureAwait(false);
    }

    private async Task<(PostgresBinaries Binaries, ServerAccount Account)> ResolveToolsAsync(CancellationToken cancellationToken)
    {
        _binaries ??= await PostgresBinaries.LocateAsync(_options.BinDirectory, cancellationToken).ConfigureAwait(false);
        _account ??= await ServerAccount.ResolveAsync(cancellationToken).ConfigureAwait(false);
        return (_binaries, _account);
    }

    private async Task StopCoreAsync(CancellationToken cancellationToken)
    {
        // Without a postmaster.pid no server runs over this folder (ours or one left by an earlier process).
        if (!_running && !File.Exists(_layout.PidFile)) return;
        await ResolveToolsAsync(cancellationToken).ConfigureAwait(false);
        var timeoutSeconds = Math.Max(5, (int)_options.CommandTimeout.TotalSeconds - 5);
        var result = await PgCtlAsync(
            ["stop", "-D", _layout.PgData, "-m", "fast", "-w", "-t", timeoutSeconds.ToString(CultureInfo.InvariantCulture), "-s"],
            cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            var status = await PgCtlAsync(["status", "-D", _layout.PgData], cancellationToken).ConfigureAwait(false);
            if (status.ExitCode == 0)
                throw new LocalPostgresException($"PostgreSQL in '{_layout.PgData}' did not stop: {result.CombinedOutput}");
        }
        if (_running) Log.Stopped(_logger, _port);
        _running = false;
    }

    private Task<ChildProcessResult> PgCtlAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken) =>
        _account!.RunAsync(_binaries!.PgCtl, arguments, _options.CommandTimeout, cancellationToken);

    private InvalidOperationException NotStarted() =>
        new($"The PostgreSQL cluster in '{_layout.Home}' is not running; call StartAsync first.");

    private InvalidOperationException NotInitialized() =>
        new($"The PostgreSQL cluster in '{_layout.Home}' is not initialized yet; call EnsureInitializedAsync or StartAsync first.");
}
