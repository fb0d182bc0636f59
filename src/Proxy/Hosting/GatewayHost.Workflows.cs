using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using TicketGate.Proxy.Configuration;
using TicketGate.Workflows.Activities;
using TicketGate.Workflows.Approvals;
using TicketGate.Workflows.Definitions;
using TicketGate.Workflows.Expressions;
using TicketGate.Workflows.Runtime;
using TicketGate.Workflows.Ticketing;

namespace TicketGate.Proxy.Hosting;

public static partial class GatewayHost
{
    /// <summary>
    /// The workflow runtime that decides held commands: activities (generic and TicketGate's), compiler, definition and instance
    /// stores on the state database, and the runner. The runner fires timers through an <see cref="IWorkflowScheduler"/> that the
    /// host registers (Hangfire in the gateway, an in-process one in tests).
    /// </summary>
    private static void AddWorkflows(IServiceCollection services, TicketGateOptions options)
    {
        services.AddSingleton<ITicketDesk, UnconfiguredTicketDesk>();
        services.AddSingleton<IEscalationNotifier, LoggingEscalationNotifier>();
        services.AddSingleton(sp => new ActivityRegistry()
            .AddGenericActivities(sp.GetRequiredService<ILoggerFactory>())
            .AddTicketGateActivities(sp.GetRequiredService<ApprovalRequestStore>(), sp.GetRequiredService<IDecisionPublisher>(),
                sp.GetRequiredService<ITicketDesk>(), sp.GetRequiredService<IEscalationNotifier>()));
        services.AddSingleton(_ => new ExpressionCompiler());
        services.AddSingleton(sp => new WorkflowCompiler(sp.GetRequiredService<ActivityRegistry>(), sp.GetRequiredService<ExpressionCompiler>()));
        services.AddSingleton(sp => new PostgresWorkflowDefinitionStore(sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new WorkflowCatalog(sp.GetRequiredService<PostgresWorkflowDefinitionStore>(), sp.GetRequiredService<WorkflowCompiler>()));
        services.AddSingleton(sp => new PostgresWorkflowInstanceStore(sp.GetRequiredService<NpgsqlDataSource>()));
        services.AddSingleton<IWorkflowInstanceStore>(sp => sp.GetRequiredService<PostgresWorkflowInstanceStore>());
        services.AddSingleton(sp => new WorkflowImporter(sp.GetRequiredService<WorkflowCatalog>(), sp.GetRequiredService<ILogger<WorkflowImporter>>()));
        services.AddSingleton<IWorkflowInstanceObserver>(sp => new ApprovalWorkflowObserver(
            sp.GetRequiredService<ApprovalRequestStore>(), sp.GetRequiredService<IDecisionPublisher>()));
        services.AddSingleton(sp => new WorkflowRunner(
            sp.GetRequiredService<WorkflowCatalog>(),
            sp.GetRequiredService<IWorkflowInstanceStore>(),
            sp.GetService<IWorkflowScheduler>() ?? throw new InvalidOperationException(
                "No workflow scheduler is registered, so approval deadlines and escalations could never fire; register an " +
                "IWorkflowScheduler (the gateway's Hangfire scheduler) before building the host."),
            sp.GetServices<IWorkflowInstanceObserver>(),
            sp.GetRequiredService<TimeProvider>(),
            sp,
            sp.GetRequiredService<ILogger<WorkflowRunner>>()));
        services.AddSingleton(sp => new TicketDecisions(sp.GetRequiredService<WorkflowRunner>()));
        services.AddSingleton(options.Workflows.Approvals);
        AddTickets(services, options);
    }

    /// <summary>
    /// After the schema is migrated and the orphans of an earlier run are withdrawn: cancels the workflows still running for
    /// requests no longer pending (those orphans, and requests a dying process decided or withdrawn without cancelling their
    /// instances), imports workflows/*.json as published versions when they changed, and re-arms the timers of waiting instances.
    /// </summary>
    private static async Task StartWorkflowsAsync(IServiceProvider services, TicketGateOptions options, ILogger logger,
        CancellationToken cancellationToken)
    {
        var runner = services.GetRequiredService<WorkflowRunner>();
        var settled = await services.GetRequiredService<ApprovalRequestStore>().ListSettledWithRunningWorkflowsAsync(cancellationToken).ConfigureAwait(false);
        foreach (var requestId in settled)
        {
            await runner.CancelAsync(ApprovalWorkflowInput.InstanceIdOf(requestId), cancellationToken).ConfigureAwait(false);
        }
        var directory = options.Workflows.ResolveDirectory();
        var imported = await services.GetRequiredService<WorkflowImporter>().ImportDirectoryAsync(directory, cancellationToken).ConfigureAwait(false);
        if (imported.Count == 0) LogNoWorkflows(logger, directory);
        var timers = await runner.RearmTimersAsync(cancellationToken).ConfigureAwait(false);
        if (timers > 0) LogTimersRearmed(logger, timers);
    }

    [LoggerMessage(202, LogLevel.Warning, "No workflow definitions in {Directory}; held commands are decided by what is already published in the state database")]
    private static partial void LogNoWorkflows(ILogger logger, string directory);

    [LoggerMessage(203, LogLevel.Information, "Re-armed {Count} workflow timers")]
    private static partial void LogTimersRearmed(ILogger logger, int count);
}
