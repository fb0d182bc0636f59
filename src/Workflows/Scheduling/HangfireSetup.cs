using Hangfire;
using Hangfire.PostgreSql;
using Microsoft.Extensions.DependencyInjection;

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
    /// workflow timers through <see cref="HangfireWorkflowScheduler"/>.
    /// </summary>
    public static IServiceCollection AddWorkflowScheduling(this IServiceCollection services, string connectionString, SchedulingOptions options)
    {
        services.AddHangfire(configuration => configuration
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UsePostgreSqlStorage(storage => storage.UseNpgsqlConnection(connectionString), new PostgreSqlStorageOptions
            {
                SchemaName = "hangfire",
                PrepareSchemaIfNecessary = true,
                QueuePollInterval = options.PollInterval,
                EnableLongPolling = true,
            }));
        services.AddHangfireServer(server =>
        {
            server.SchedulePollingInterval = options.PollInterval;
            server.WorkerCount = options.WorkerCount;
            server.ServerName = $"ticketgate:{Environment.MachineName}:{Environment.ProcessId}";
        });
        services.AddSingleton<WorkflowTimerJob>();
        services.AddSingleton<Runtime.IWorkflowScheduler, HangfireWorkflowScheduler>();
        return services;
    }
}
