using System.Collections.Concurrent;
using TicketGate.Integrations.Jira;
using TicketGate.Integrations.ServiceNow;
using TicketGate.Integrations.Tickets;
using TicketGate.Proxy.Configuration;
using TicketGate.Proxy.Hosting;
using TicketGate.Workflows.Approvals;
using TicketGate.Workflows.Ticketing;

namespace TicketGate.Proxy.Tickets;

/// <summary>Builds the Jira and ServiceNow clients the <c>tickets:</c> section describes. Secrets are read on every call, never kept.</summary>
public static class TicketSystemFactory
{
    public static TicketConnections Connections(TicketGateOptions options)
    {
        var tickets = options.Tickets ?? throw new InvalidOperationException("no tickets section is configured");
        var list = new List<TicketConnection>();
        if (tickets.Jira is { } jira)
        {
            var clients = new ConcurrentDictionary<(string Project, string IssueType), JiraClient>();
            var main = Jira(jira, jira.Client);
            clients[(jira.Client.ProjectKey, jira.Client.IssueType)] = main;
            list.Add(new TicketConnection
            {
                System = TicketSystems.Jira,
                Client = main,
                // A workflow may name another project or issue type of the same site: a client per pair, each with its own circuit.
                ClientFor = (project, issueType) => clients.GetOrAdd((project ?? jira.Client.ProjectKey, issueType ?? jira.Client.IssueType),
                    key => Jira(jira, With(jira.Client, key.Project, key.IssueType))),
                PollInterval = jira.PollInterval,
                MaxPollBackoff = tickets.MaxPollBackoff,
            });
        }
        if (tickets.ServiceNow is { } serviceNow)
        {
            list.Add(new TicketConnection
            {
                System = TicketSystems.ServiceNow,
                Client = ServiceNow(serviceNow),
                PollInterval = serviceNow.PollInterval,
                MaxPollBackoff = tickets.MaxPollBackoff,
            });
        }
        var baseUrl = RequestLinks.BaseUrl(options);
        return new TicketConnections(list)
        {
            DecisionWindow = tickets.DecisionWindow,
            EnvironmentTag = tickets.EnvironmentTag,
            Reconcile = tickets.Reconcile,
            UnavailableAfterFailures = tickets.UnavailableAfterFailures,
            RequestPage = id => new Uri(RequestLinks.Page(options, id)),
            SessionRecord = session => new Uri($"{baseUrl}/api/sessions/{Uri.EscapeDataString(session)}"),
        };
    }

    private static JiraClient Jira(JiraConnectionOptions jira, JiraOptions client) => jira.Flavour == JiraFlavour.Cloud
        ? new JiraCloudClient(client, jira.Email!, jira.Token.Read)
        : new JiraDataCenterClient(client, jira.Token.Read);

    private static JiraOptions With(JiraOptions o, string project, string issueType) => new()
    {
        BaseUrl = o.BaseUrl,
        ProjectKey = project,
        IssueType = issueType,
        Statuses = o.Statuses,
        GroupField = o.GroupField,
        DecideByServiceManagementApprovals = o.DecideByServiceManagementApprovals,
        MaxStatementBytes = o.MaxStatementBytes,
        CreateOnce = o.CreateOnce,
        Channel = o.Channel,
    };

    private static ServiceNowClient ServiceNow(ServiceNowConnectionOptions sn) => sn.Auth == ServiceNowAuth.OAuth
        ? new ServiceNowClient(sn.Client, new ServiceNowOAuth(sn.Client.InstanceUrl, sn.ClientId!, sn.ClientSecret!.Read, sn.User, sn.Password.Read,
            sn.Client.Channel))
        : new ServiceNowClient(sn.Client, sn.User, sn.Password.Read);
}
