using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace TicketGate.Workflows.Scheduling;

/// <summary>How often Hangfire looks for due timers and queued jobs; tests use short intervals to keep durations in seconds.</summary>
public sealed class SchedulingOptions
{
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(5);
    public int WorkerCount { get; init; } = 4;
}

public static class HangfireSetup
{
    /// <summary>
    /// Hangfire with its storage in TicketGate's database (schema <c>hangfire</c>) and a server inside this process, serving
    /// workflow timers through <see cref="HangfireWorkflowScheduler"/>. Storage, client and server belong to this service
    /// collection alone (not Hangfire's process-wide defaults), so two gateways in one process never share or swap storages.
    /// </summary>
    public static IServiceCollection AddWorkflowScheduling(this IServiceCollection services, string connectionString, SchedulingOptions options)
    {
        services.AddSingleton<JobStorage>(_ =>
        {
            var storageOptions = new PostgreSqlStorageOptions
            {
                SchemaName = "hangfire",
                PrepareSchemaIfNecessary = true,
                QueuePollInterval = options.PollInterval,
                EnableLongPolling = true,
            };
            return new PostgreSqlStorage(new NpgsqlConnectionFactory(connectionString, storageOptions), storageOptions);
        });
        services.AddSingleton<IBackgroundJobClient>(sp => new BackgroundJobClient(sp.GetRequiredService<JobStorage>()));
        // The dashboard middleware checks that Hangfire is registered; nothing here changes the process-wide configuration.
        services.AddSingleton<IGlobalConfiguration>(_ => GlobalConfiguration.Configuration);
        services.AddSingleton(_ => Hangfire.Dashboard.DashboardRoutes.Routes);
        services.AddSingleton<WorkflowTimerJob>();
        services.AddSingleton<Runtime.IWorkflowScheduler, HangfireWorkflowScheduler>();
        services.AddHostedService(sp => new HangfireServerHost(sp, options));
        return services;
    }

    /// <summary>Runs this host's Hangfire server, resolving jobs from this host's services.</summary>
    private sealed class HangfireServerHost(IServiceProvider services, SchedulingOptions options) : IHostedService, IDisposable
    {
        private BackgroundJobServer? _server;

        public Task StartAsync(CancellationToken cancellationToken)
        {
            _server = new BackgroundJobServer(new BackgroundJobServerOptions
            {
                SchedulePollingInterval = options.PollInterval,
                WorkerCount = options.WorkerCount,
                ServerName = $"ticketgate:{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}",
                Activator = new ServiceJobActivator(services),
            }, services.GetRequiredService<JobStorage>());
            return Task.CompletedTask;
        }

        public async Task StopAsync(CancellationToken cancellationToken)
        {
            if (_server is null) return;
            _server.SendStop();
            await _server.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
        }

        public void Dispose() => _server?.Dispose();
    }

    private sealed class ServiceJobActivator(IServiceProvider services) : JobActivator
    {
        public override object ActivateJob(Type jobType) => services.GetRequiredService(jobType);
    }
}
