using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using TicketGate.Proxy.Api;
using TicketGate.Proxy.Audit;
using TicketGate.Proxy.Configuration;
using TicketGate.Proxy.Hosting;
using TicketGate.Proxy.Identity;
using TicketGate.Proxy.Policy;
using TicketGate.Proxy.Postgres.Tls;
using TicketGate.Tests.Workflows;
using TicketGate.Proxy.Recording;
using TicketGate.Workflows.Approvals;
using TicketGate.Workflows.Runtime;

namespace TicketGate.Tests.Fixtures;

/// <summary>
/// A real TicketGate gateway in this process, in front of a fresh database of the shared test cluster: TLS listener with its own
/// CA, a development issuer for tokens, the HTTP API, its own state database. Agents reach it with the real psql or Npgsql.
/// </summary>
public sealed class GatewayFixture : IAsyncDisposable
{
    public const string Connection = "app";
    public const string Audience = "api://ticketgate-tests";

    private readonly WebApplication _app;
    private readonly HttpClient _http;

    private GatewayFixture(WebApplication app, DevelopmentIssuer issuer, TicketGateOptions options, string folder, string caFile, string targetConnectionString)
    {
        _app = app;
        Issuer = issuer;
        Options = options;
        Folder = folder;
        CaFile = caFile;
        TargetConnectionString = targetConnectionString;
        _http = new HttpClient { BaseAddress = new Uri(HttpUrl + "/"), Timeout = TimeSpan.FromSeconds(30) };
    }

    public DevelopmentIssuer Issuer { get; }
    public TicketGateOptions Options { get; }
    public string Folder { get; }
    public string CaFile { get; }
    /// <summary>The target database directly, as superuser: for checking what really happened there.</summary>
    public string TargetConnectionString { get; }
    public int PostgresPort => Options.Postgres.Port;
    public string HttpUrl => $"http://127.0.0.1:{Options.Http.Port}";
    public IServiceProvider Services => _app.Services;

    /// <summary>
    /// Starts a gateway. The target database gets a table <c>items(id int primary key, name text)</c> with rows 1..10, owned by the
    /// upstream role. <paramref name="configure"/> may adjust the options (policy, insecure listener, another upstream port).
    /// </summary>
    /// <param name="logs">Receives the gateway's log (Debug and up) when given, for tests that check what it writes there.</param>
    /// <param name="services">Registers test doubles (a ticket system) over the gateway's own services.</param>
    public static async Task<GatewayFixture> StartAsync(PostgresClusterFixture postgres, Func<TicketGateOptions, TicketGateOptions>? configure = null,
        ILoggerProvider? logs = null, Action<IServiceCollection>? services = null)
    {
        var cluster = await postgres.ClusterAsync();
        var folder = Directory.CreateTempSubdirectory("ticketgate-gateway-").FullName;
        var (targetName, targetConnection) = await postgres.CreateUniqueDatabaseAsync("target");
        var (stateName, _) = await postgres.CreateUniqueDatabaseAsync("state");
        var upstreamRole = PostgresClusterFixture.UniqueName("upstream");
        var upstreamPassword = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(12));
        await postgres.CreateLoginRoleAsync(upstreamRole, upstreamPassword);
        await using (var connection = new NpgsqlConnection(targetConnection))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"""
                CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL);
                INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 10) g;
                ALTER TABLE items OWNER TO "{upstreamRole}";
                GRANT ALL ON SCHEMA public TO "{upstreamRole}";
                """, connection);
            await command.ExecuteNonQueryAsync();
        }
        var passwordFile = Path.Combine(folder, "upstream.password");
        await File.WriteAllTextAsync(passwordFile, upstreamPassword + "\n");

        var tls = ListenerCertificate.EnsureDemoCertificate(Path.Combine(folder, "tls"));
        var (pgPort, httpPort) = (FreePort(), FreePort());
        var issuer = new DevelopmentIssuer(folder, DevelopmentIssuer.IssuerUrlFor($"http://127.0.0.1:{httpPort}"));
        var options = new TicketGateOptions
        {
            Oidc = new OidcOptions { Authority = issuer.Issuer, Audience = Audience, RequireHttpsMetadata = false },
            Postgres = new PostgresListenerOptions { Address = "127.0.0.1", Port = pgPort, CertificateFile = tls.CertificateFile, KeyFile = tls.KeyFile },
            Http = new HttpListenerOptions { Address = "127.0.0.1", Port = httpPort },
            StateDatabase = new StateDatabaseOptions { ConnectionString = cluster.ConnectionString(stateName, pooling: true) },
            Connections = new Dictionary<string, ConnectionDefinition>
            {
                [Connection] = new()
                {
                    Name = Connection,
                    Host = "127.0.0.1",
                    Port = cluster.Port,
                    Database = targetName,
                    User = upstreamRole,
                    Password = SecretReference.FromFile(passwordFile),
                    Tags = new Dictionary<string, string> { ["env"] = "test" },
                    ApproverGroups = ["dba"],
                    SslMode = "disable",
                },
            },
            Policy = DefaultPolicy.Definition,
            Audit = new AuditOptions { FlushInterval = TimeSpan.FromMilliseconds(50) },
            Recording = new RecordingOptions { FlushInterval = TimeSpan.FromMilliseconds(50) },
        };
        if (configure is not null) options = configure(options);
        // Timers in tests are seconds long: the gateway's Hangfire server polls for due ones often.
        options = WithWorkflows(options, new WorkflowOptions
        {
            Directory = options.Workflows.Directory,
            Approvals = options.Workflows.Approvals,
            Scheduling = new TicketGate.Workflows.Scheduling.SchedulingOptions { PollInterval = TimeSpan.FromMilliseconds(250), WorkerCount = 1 },
        });

        return await LaunchAsync(options, issuer, folder, tls.CaFile, targetConnection, logs, services);
    }

    private static async Task<GatewayFixture> LaunchAsync(TicketGateOptions options, DevelopmentIssuer issuer, string folder, string caFile,
        string targetConnection, ILoggerProvider? logs, Action<IServiceCollection>? services)
    {
        var app = GatewayHost.Build(options, issuer, logging =>
        {
            if (logs is null)
            {
                logging.SetMinimumLevel(LogLevel.Warning);
                return;
            }
            logging.SetMinimumLevel(LogLevel.Trace).AddProvider(logs);
        }, collection => services?.Invoke(collection));
        await app.StartAsync();
        return new GatewayFixture(app, issuer, options, folder, caFile, targetConnection);
    }

    /// <summary>
    /// Kills this gateway as a crash would (its clients are cut off, nothing is shut down in order) and starts a new one with the
    /// same options: same ports, same issuer keys, same state and target databases. Use the returned fixture from then on.
    /// </summary>
    /// <param name="beforeStart">Runs while no gateway is up (e.g. waits until a timer falls due).</param>
    public async Task<GatewayFixture> CrashAndRestartAsync(Func<Task>? beforeStart = null, ILoggerProvider? logs = null,
        Action<IServiceCollection>? services = null)
    {
        _http.Dispose();
        using (var crashed = new CancellationTokenSource())
        {
            await crashed.CancelAsync();
            try
            {
                await _app.StopAsync(crashed.Token);
            }
            catch (OperationCanceledException)
            {
                // A crash does not wait for anything to finish.
            }
        }
        await _app.DisposeAsync();
        Issuer.Dispose();
        if (beforeStart is not null) await beforeStart();
        var issuer = new DevelopmentIssuer(Folder, Issuer.Issuer);
        return await LaunchAsync(Options, issuer, Folder, CaFile, TargetConnectionString, logs, services);
    }

    /// <summary>A token from the gateway's issuer (the agent agent-7 in group agents unless said otherwise).</summary>
    public string Token(string subject = "agent-7", string[]? groups = null, TimeSpan? lifetime = null, string? audience = null) =>
        Issuer.Mint(subject, groups ?? ["agents"], lifetime ?? TimeSpan.FromMinutes(10), audience ?? Audience);

    /// <summary>A libpq connection string for psql, verifying the gateway's certificate.</summary>
    public string PsqlConnInfo(string user = "agent-7", string database = Connection, string sslMode = "verify-full") =>
        $"host=127.0.0.1 port={PostgresPort.ToString(CultureInfo.InvariantCulture)} dbname={database} user={user} sslmode={sslMode} sslrootcert={CaFile}";

    /// <summary>Runs the real psql against the gateway with the token as its password.</summary>
    public Task<PsqlResult> PsqlAsync(PostgresClusterFixture postgres, string token, IEnumerable<string> arguments, string? standardInput = null,
        TimeSpan? timeout = null, string? connInfo = null) =>
        postgres.RunPsqlAsync(["-X", "-v", "ON_ERROR_STOP=1", .. arguments, connInfo ?? PsqlConnInfo()],
            new Dictionary<string, string?> { ["PGPASSWORD"] = token }, standardInput, timeout);

    /// <summary>An Npgsql connection string to the gateway (TLS, verifying the gateway's CA) with the token as password.</summary>
    public string NpgsqlConnectionString(string token, string user = "agent-7", bool pooling = false) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = PostgresPort,
        Database = Connection,
        Username = user,
        Password = token,
        SslMode = SslMode.VerifyFull,
        RootCertificate = CaFile,
        Pooling = pooling,
        Timeout = 15,
        CommandTimeout = 60,
    }.ConnectionString;

    public async Task<NpgsqlConnection> OpenAsync(string? token = null)
    {
        var connection = new NpgsqlConnection(NpgsqlConnectionString(token ?? Token()));
        await connection.OpenAsync();
        return connection;
    }

    /// <summary>Waits until a pending request matching <paramref name="match"/> appears, and returns it.</summary>
    public async Task<StoredApprovalRequest> WaitForPendingAsync(Func<StoredApprovalRequest, bool>? match = null, TimeSpan? timeout = null)
    {
        var store = Services.GetRequiredService<ApprovalRequestStore>();
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < (timeout ?? TimeSpan.FromSeconds(20)))
        {
            foreach (var request in await store.ListAsync(ApprovalStatus.Pending, 100))
            {
                if (match is null || match(request)) return request;
            }
            await Task.Delay(50);
        }
        throw new TimeoutException("no matching pending request appeared");
    }

    public Task<StoredApprovalRequest?> RequestAsync(Guid id) => Services.GetRequiredService<ApprovalRequestStore>().GetAsync(id);

    /// <summary>The workflow instance deciding a request, as stored.</summary>
    public Task<WorkflowInstance?> WorkflowOfAsync(Guid requestId) =>
        Services.GetRequiredService<IWorkflowInstanceStore>().FindAsync(ApprovalWorkflowInput.InstanceIdOf(requestId), CancellationToken.None);

    /// <summary>Waits until a request is no longer pending (a workflow decided it on a timer), and returns it.</summary>
    public async Task<StoredApprovalRequest> WaitForDecisionAsync(Guid requestId, TimeSpan? timeout = null)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < (timeout ?? TimeSpan.FromSeconds(20)))
        {
            if (await RequestAsync(requestId) is { IsPending: false } decided) return decided;
            await Task.Delay(50);
        }
        throw new TimeoutException($"request {requestId} was not decided in time");
    }

    /// <summary>The options with another workflows folder (a copy of approval.json with other variable values).</summary>
    public static TicketGateOptions WithWorkflows(TicketGateOptions options, WorkflowOptions workflows) => options with { Workflows = workflows };

    /// <summary>Approves through the HTTP API as a person of the test directory (alice and bob are in dba).</summary>
    public Task<HttpResponseMessage> ApproveAsync(Guid id, string approver = "alice", string[]? groups = null, string? reason = null) =>
        DecideAsync(id, "approve", approver, groups, reason);

    public Task<HttpResponseMessage> RejectAsync(Guid id, string reason, string approver = "bob", string[]? groups = null) =>
        DecideAsync(id, "reject", approver, groups, reason);

    private async Task<HttpResponseMessage> DecideAsync(Guid id, string verb, string approver, string[]? groups, string? reason)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"api/requests/{id}/{verb}")
        {
            Content = JsonContent.Create(new DecisionBody(reason), options: TicketGateApi.Json),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token(approver, groups ?? GroupsOf(approver)));
        return await _http.SendAsync(request);
    }

    /// <summary>An authenticated GET against the API.</summary>
    public async Task<HttpResponseMessage> GetAsync(string path, string person = "alice")
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path.TrimStart('/'));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token(person, GroupsOf(person)));
        return await _http.SendAsync(request);
    }

    /// <summary>Every audit row written so far (the log is flushed first), oldest first.</summary>
    public async Task<IReadOnlyList<AuditRecord>> AuditAsync()
    {
        await Services.GetRequiredService<AuditLog>().FlushAsync();
        return await Services.GetRequiredService<AuditReader>().TailAsync(1000);
    }

    /// <summary>Waits until the audit log holds a row matching <paramref name="match"/> (rows of a finished statement may lag it).</summary>
    public async Task<AuditRecord> WaitForAuditAsync(Func<AuditRecord, bool> match, TimeSpan? timeout = null)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            foreach (var record in await AuditAsync())
            {
                if (match(record)) return record;
            }
            if (deadline.Elapsed > (timeout ?? TimeSpan.FromSeconds(10))) throw new TimeoutException("no matching audit row appeared");
            await Task.Delay(50);
        }
    }

    /// <summary>
    /// A recorded session once it has ended and every event of it is written (a client's exit may come just before the gateway
    /// notices the disconnect).
    /// </summary>
    public async Task<(RecordedSession Session, IReadOnlyList<RecordedEvent> Events)> RecordedSessionAsync(Guid sessionId, TimeSpan? timeout = null)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            await Services.GetRequiredService<RecordingLog>().FlushAsync();
            if (await Services.GetRequiredService<RecordingReader>().GetAsync(sessionId) is { Session.EndedAt: not null } recorded) return recorded;
            if (deadline.Elapsed > (timeout ?? TimeSpan.FromSeconds(10))) throw new TimeoutException($"session {sessionId} was not recorded as ended");
            await Task.Delay(50);
        }
    }

    /// <summary>One value from the target database, read directly (not through the gateway).</summary>
    public async Task<T> TargetScalarAsync<T>(string sql)
    {
        await using var connection = new NpgsqlConnection(TargetConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>How many rows of items match <paramref name="where"/>, read directly from the target database.</summary>
    public Task<long> CountItemsAsync(string where = "true") => TargetScalarAsync<long>($"SELECT count(*) FROM items WHERE {where}");

    /// <summary>Runs SQL on the target database directly, as superuser.</summary>
    public async Task TargetExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(TargetConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Every request the store holds (any status), newest first.</summary>
    public Task<IReadOnlyList<StoredApprovalRequest>> RequestsAsync() =>
        Services.GetRequiredService<ApprovalRequestStore>().ListAsync(null, 1000);

    private static string[] GroupsOf(string person) =>
        DemoDirectory.TryGetGroups(person, out var groups) ? [.. groups] : [];

    /// <summary>A port free right now on 127.0.0.1.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        Issuer.Dispose();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A file still open by a dying process; /tmp is cleaned eventually.
        }
    }
}
