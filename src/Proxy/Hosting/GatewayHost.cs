using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using TicketGate.Proxy.Api;
using TicketGate.Proxy.Audit;
using TicketGate.Proxy.Classification;
using TicketGate.Proxy.Configuration;
using TicketGate.Proxy.Identity;
using TicketGate.Proxy.Policy;
using TicketGate.Proxy.Postgres;
using TicketGate.Proxy.Postgres.Tls;
using TicketGate.Proxy.Recording;
using TicketGate.Workflows.Approvals;
using TicketGate.Workflows.Runtime;
using TicketGate.Workflows.Scheduling;
using TicketGate.Workflows.Storage;
using TicketGate.Workflows.Ticketing;
using Hangfire;

namespace TicketGate.Proxy.Hosting;

/// <summary>Composes the gateway: the PostgreSQL listener and the HTTP side (API, request pages, the demo issuer) in one Kestrel server.</summary>
public static partial class GatewayHost
{
    /// <param name="configureServices">Runs after the gateway's own registrations, so what it registers wins (the workflow scheduler of a host or test).</param>
    public static WebApplication Build(TicketGateOptions options, DevelopmentIssuer? issuer = null, Action<ILoggingBuilder>? logging = null,
        Action<IServiceCollection>? configureServices = null)
    {
        // Fail at start-up, not on the first statement, when the PostgreSQL parser library is missing.
        TicketGate.Proxy.Classification.Parsing.PgQueryLibrary.EnsureLoaded();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], EnvironmentName = Environments.Production });
        builder.Logging.ClearProviders();
        if (logging is null) builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; }).SetMinimumLevel(LogLevel.Information);
        else logging(builder.Logging);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);

        var certificate = options.Postgres.CertificateFile is { } cert && options.Postgres.KeyFile is { } key
            ? ListenerCertificate.LoadPem(cert, key)
            : null;

        // Run socket and pipe continuations where they complete instead of handing each round trip between threads: on a
        // small machine the hand-offs (context switches) cost more than the proxying itself (bench/RESULTS.md). Nothing on the
        // data path blocks; slow work (state database, issuer metadata) is awaited.
        builder.WebHost.UseSockets(sockets => sockets.UnsafePreferInlineScheduling = true);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // Held and pipelined messages are bounded by max_message_bytes, not by Kestrel's request buffer.
            kestrel.Limits.MaxRequestBufferSize = options.Postgres.MaxMessageBytes + 64L * 1024;
            kestrel.Listen(Endpoint(options.Http.Address, options.Http.Port), listen => listen.Protocols = HttpProtocols.Http1AndHttp2);
            kestrel.Listen(Endpoint(options.Postgres.Address, options.Postgres.Port), listen => listen.UseConnectionHandler<PostgresGateway>());
            ListenKubernetes(kestrel, options);
        });

        AddSsh(builder, options);
        var services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton(TimeProvider.System);
        if (issuer is not null) services.AddSingleton(issuer);
        services.AddSingleton(_ =>
        {
            var state = new NpgsqlDataSourceBuilder(options.StateDatabase.ReadConnectionString()) { Name = "ticketgate-state" };
            // Every held command runs the same few statements (store, start, decide); prepared once per connection, the
            // server stops parsing and planning them each time (bench/workflow-bench.sh). A setting in the string wins.
            if (state.ConnectionStringBuilder.MaxAutoPrepare == 0) state.ConnectionStringBuilder.MaxAutoPrepare = 64;
            return state.Build();
        });
        services.AddSingleton(sp => new StateDatabase(sp.GetRequiredService<NpgsqlDataSource>(),
            [new ApprovalMigrations(), new AuditMigrations(), new WorkflowMigrations(), new SchedulingMigrations(), new RecordingMigrations(), new TicketMigrations()]));
        services.AddSingleton(sp => new ApprovalRequestStore(sp.GetRequiredService<NpgsqlDataSource>(), Holder(options)));
        services.AddSingleton<DecisionSignals>();
        // Decisions reach the session holding the command in this process at once, and other processes through NOTIFY.
        services.AddSingleton<PostgresDecisionChannel>();
        services.AddSingleton<IDecisionPublisher>(sp => sp.GetRequiredService<PostgresDecisionChannel>());
        AddWorkflows(services, options);
        AddKubernetes(services, options);
        AddStudio(services, options);
        services.AddSingleton<IApprovalGate>(sp => new WorkflowApprovalGate(
            sp.GetRequiredService<ApprovalRequestStore>(), sp.GetRequiredService<DecisionSignals>(), sp.GetRequiredService<IDecisionPublisher>(),
            sp.GetRequiredService<WorkflowRunner>(), options.Workflows.Approvals, id => RequestLinks.Page(options, id),
            sp.GetRequiredService<ILogger<WorkflowApprovalGate>>()));
        services.AddSingleton(sp => new ApprovalDesk(
            sp.GetRequiredService<ApprovalRequestStore>(), sp.GetRequiredService<IDecisionPublisher>(),
            new ApprovalVoting(sp.GetRequiredService<WorkflowRunner>(), sp.GetRequiredService<IWorkflowInstanceStore>(), sp.GetRequiredService<TimeProvider>())));
        services.AddSingleton(sp => new AuditLog(sp.GetRequiredService<NpgsqlDataSource>(), options.Audit, sp.GetRequiredService<ILogger<AuditLog>>()));
        services.AddSingleton(sp => new AuditReader(sp.GetRequiredService<NpgsqlDataSource>()));
        services.AddSingleton(sp => new RecordingLog(sp.GetRequiredService<NpgsqlDataSource>(), options.Recording, sp.GetRequiredService<ILogger<RecordingLog>>()));
        services.AddSingleton(sp => new RecordingReader(sp.GetRequiredService<NpgsqlDataSource>()));
        services.AddSingleton<ITokenValidator>(sp => new TokenValidator(options.Oidc, null, sp.GetRequiredService<ILogger<TokenValidator>>()));
        services.AddSingleton(_ => new SqlClassifier(options.Policy.SafeFunctions));
        services.AddSingleton(sp => new ClassificationCache(sp.GetRequiredService<SqlClassifier>()));
        services.AddSingleton(_ => new PolicyEvaluator(options.Policy));
        services.AddSingleton(sp => new PostgresGateway(
            options,
            sp.GetRequiredService<ITokenValidator>(),
            sp.GetRequiredService<SqlClassifier>(),
            sp.GetRequiredService<ClassificationCache>(),
            sp.GetRequiredService<PolicyEvaluator>(),
            sp.GetRequiredService<IApprovalGate>(),
            sp.GetRequiredService<AuditLog>(),
            sp.GetRequiredService<RecordingLog>(),
            sp.GetRequiredService<ILogger<PostgresGateway>>(),
            sp.GetRequiredService<IHostApplicationLifetime>(),
            certificate));
        // Order matters: the schema exists before the audit writer or any session touches it.
        services.AddHostedService<StateStartup>();
        services.AddHostedService(sp => sp.GetRequiredService<AuditLog>());
        services.AddHostedService(sp => sp.GetRequiredService<PostgresDecisionChannel>());
        services.AddWorkflowScheduling(options.StateDatabase.ReadConnectionString(), options.Workflows.Scheduling);
        services.AddHostedService(sp => sp.GetRequiredService<RecordingLog>());
        services.AddProblemDetails();
        configureServices?.Invoke(services);

        var app = builder.Build();
        MapKubernetes(app, options);
        if (issuer is not null) app.MapDevelopmentIssuer(issuer, options.Oidc.Audience);
        app.MapTicketGateApi();
        MapTickets(app);
        MapStudio(app, options);
        MapSsh(app, options);
        app.UseHangfireDashboard("/hangfire", new DashboardOptions
        {
            AsyncAuthorization = [new AdminDashboardAuthorization(app.Services.GetRequiredService<ITokenValidator>(), options.Http.AdminGroups)],
            DisplayStorageConnectionString = false,
            AppPath = null,
        }, app.Services.GetRequiredService<JobStorage>());
        return app;
    }

    /// <summary>This instance's name on the requests it holds (see <see cref="ApprovalRequestStore"/>): host and PostgreSQL listener.</summary>
    private static string Holder(TicketGateOptions options) => $"{Environment.MachineName}:{options.Postgres.Port}";

    private static System.Net.IPEndPoint Endpoint(string address, int port) =>
        new(address is "*" or "0.0.0.0" ? System.Net.IPAddress.Any : address == "::" ? System.Net.IPAddress.IPv6Any : System.Net.IPAddress.Parse(address), port);

    /// <summary>Migrates the state database, withdraws requests an earlier run of this instance left pending, and starts the workflows.</summary>
    private sealed partial class StateStartup(StateDatabase database, ApprovalRequestStore store, IServiceProvider services,
        TicketGateOptions options, ILogger<StateStartup> logger) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            var applied = await database.MigrateAsync(cancellationToken).ConfigureAwait(false);
            if (applied.Count > 0) LogMigrated(logger, string.Join(", ", applied));
            var orphans = await store.WithdrawOrphansAsync("TicketGate restarted while the command was held", cancellationToken).ConfigureAwait(false);
            if (orphans.Count > 0) LogOrphans(logger, orphans.Count);
            await StartWorkflowsAsync(services, options, logger, cancellationToken).ConfigureAwait(false);
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        [LoggerMessage(200, LogLevel.Information, "State database migrated: {Migrations}")]
        private static partial void LogMigrated(ILogger logger, string migrations);

        [LoggerMessage(201, LogLevel.Warning, "Withdrew {Count} requests held by an earlier run of this instance")]
        private static partial void LogOrphans(ILogger logger, int count);
    }
}

/// <summary>Links to TicketGate's pages, as people reach them.</summary>
public static class RequestLinks
{
    public static string BaseUrl(TicketGateOptions options) =>
        (options.Http.PublicUrl ?? $"http://{(options.Http.Address is "0.0.0.0" or "*" or "::" ? "127.0.0.1" : options.Http.Address)}:{options.Http.Port}").TrimEnd('/');

    public static string Page(TicketGateOptions options, Guid requestId) => $"{BaseUrl(options)}/requests/{requestId}";
}
