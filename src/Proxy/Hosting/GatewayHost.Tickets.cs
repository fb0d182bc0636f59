using Hangfire;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using TicketGate.Integrations.Webhooks;
using TicketGate.Proxy.Configuration;
using TicketGate.Proxy.Tickets;
using TicketGate.Workflows.Approvals;
using TicketGate.Workflows.Runtime;
using TicketGate.Workflows.Ticketing;

namespace TicketGate.Proxy.Hosting;

public static partial class GatewayHost
{
    /// <summary>
    /// With a <c>tickets:</c> section: the ticket desk that opens Jira issues and ServiceNow changes (instead of the unconfigured
    /// one), webhook verifiers, the reconcile queue, the Hangfire poll job, closing tickets when workflows end and escalating on
    /// them. Without one nothing changes: ticket steps find their channel unavailable and take the fallback path.
    /// </summary>
    private static void AddTickets(IServiceCollection services, TicketGateOptions options)
    {
        if (options.Tickets is not { } tickets)
        {
            services.AddHostedService(sp => new TicketPollSchedule(sp.GetRequiredService<JobStorage>(), null));
            return;
        }
        services.AddSingleton(_ => TicketSystemFactory.Connections(options));
        services.AddSingleton(sp => new TicketLinkStore(sp.GetRequiredService<NpgsqlDataSource>()));
        services.AddSingleton<ITicketDesk>(sp => new TicketSystemDesk(sp.GetRequiredService<TicketConnections>(),
            sp.GetRequiredService<ApprovalRequestStore>(), sp.GetRequiredService<TicketLinkStore>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<TicketSystemDesk>>()));
        services.AddSingleton<IEscalationNotifier>(sp => new TicketEscalationNotifier(
            new LoggingEscalationNotifier(sp.GetRequiredService<ILogger<LoggingEscalationNotifier>>()), sp.GetRequiredService<TicketConnections>(),
            sp.GetRequiredService<TicketLinkStore>(), sp.GetRequiredService<ILogger<TicketEscalationNotifier>>()));
        services.AddSingleton(sp => new TicketFollowUp(sp.GetRequiredService<TicketConnections>(), sp.GetRequiredService<TicketLinkStore>(),
            sp.GetRequiredService<ApprovalRequestStore>(), sp.GetRequiredService<TicketDecisions>(), sp.GetRequiredService<ApprovalDesk>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<TicketFollowUp>>()));
        services.AddSingleton<TicketReconcileQueue>();
        services.AddHostedService(sp => sp.GetRequiredService<TicketReconcileQueue>());
        services.AddSingleton<TicketPollJob>();
        services.AddSingleton<TicketCloseJob>();
        services.AddHostedService(sp => new TicketPollSchedule(sp.GetRequiredService<JobStorage>(), tickets.PollTick));
        // After ApprovalWorkflowObserver (registered before this), so a workflow that ended undecided is denied before its ticket closes.
        services.AddSingleton<IWorkflowInstanceObserver>(sp => new TicketClosingObserver(sp.GetRequiredService<TicketLinkStore>(),
            sp.GetRequiredService<IBackgroundJobClient>(), sp.GetRequiredService<ILogger<TicketClosingObserver>>()));

        services.AddSingleton<IWebhookDeliveryLog>(_ => new BoundedDeliveryLog());
        if (tickets.Jira is { } jira && (jira.WebhookSecret is not null || jira.WebhookUrlToken is not null))
        {
            services.AddSingleton(sp => new JiraWebhookVerifier(new JiraWebhookOptions
            {
                Secret = jira.WebhookSecret is { } secret ? secret.Read : null,
                UrlToken = jira.WebhookUrlToken is { } token ? token.Read : null,
                Statuses = jira.Client.Statuses,
            }, sp.GetRequiredService<IWebhookDeliveryLog>()));
        }
        if (tickets.ServiceNow is { WebhookSecret: { } snSecret } serviceNow)
        {
            services.AddSingleton(sp => new ServiceNowWebhookVerifier(new ServiceNowWebhookOptions
            {
                Secret = snSecret.Read,
                SecretHeader = serviceNow.WebhookHeader,
                States = serviceNow.Client.States,
            }, sp.GetRequiredService<IWebhookDeliveryLog>()));
        }
    }

    private static void MapTickets(WebApplication app) => app.MapTicketWebhooks();
}
