using System.Text.Json.Nodes;
using TicketGate.Integrations.Jira;
using TicketGate.Integrations.Tickets;
using TicketGate.Proxy.Configuration;
using TicketGate.Tests.Fakes.Jira;
using TicketGate.Tests.Fakes.ServiceNow;
using TicketGate.Tests.Fixtures;
using TicketGate.Tests.Integrations;
using Microsoft.Extensions.DependencyInjection;
using TicketGate.Workflows.Approvals;
using TicketGate.Workflows.Ticketing;
using static TicketGate.Tests.Workflows.Studio;

namespace TicketGate.Tests.Tickets;

/// <summary>
/// Real gateways whose <c>tickets:</c> section points at the fake Jira and ServiceNow, with retries, polls and confirmations
/// shrunk to seconds, and the connection bound to a ticket workflow written by the test.
/// </summary>
internal static class TicketGateway
{
    public const string JiraWebhookSecret = "jira-webhook-secret-for-tests";
    public const string JiraUrlToken = "jira-url-token-for-tests";
    public const string ServiceNowWebhookSecret = "servicenow-webhook-secret-for-tests";

    public static async Task<GatewayFixture> StartAsync(PostgresClusterFixture postgres, JsonObject definition, FakeJira? jira = null,
        FakeServiceNow? serviceNow = null, TimeSpan? serviceNowPoll = null, TimeSpan? jiraPoll = null, bool dataCenter = false)
    {
        var folder = Directory.CreateTempSubdirectory("ticketgate-tickets-").FullName;
        var directory = Directory.CreateDirectory(Path.Combine(folder, "workflows")).FullName;
        await File.WriteAllTextAsync(Path.Combine(directory, (string)definition["definitionId"]! + ".json"), definition.ToJsonString());
        var tickets = new TicketOptions
        {
            Jira = jira is null ? null : new JiraConnectionOptions
            {
                Flavour = dataCenter ? JiraFlavour.DataCenter : JiraFlavour.Cloud,
                Client = TicketScenario.JiraOptions(jira),
                Email = jira.ServiceAccount.Email,
                Token = await SecretAsync(folder, "jira-token", jira.ServiceAccount.Token),
                PollInterval = jiraPoll ?? TimeSpan.FromSeconds(30),
                // Data Center can't sign its webhooks: the token travels in the URL instead.
                WebhookSecret = dataCenter ? null : await SecretAsync(folder, "jira-webhook", JiraWebhookSecret),
                WebhookUrlToken = dataCenter ? await SecretAsync(folder, "jira-url-token", JiraUrlToken) : null,
            },
            ServiceNow = serviceNow is null ? null : new ServiceNowConnectionOptions
            {
                Client = TicketScenario.ServiceNowOptions(serviceNow.BaseUrl),
                User = serviceNow.Integration.UserName,
                Password = await SecretAsync(folder, "servicenow-password", serviceNow.Integration.Password),
                PollInterval = serviceNowPoll ?? TimeSpan.FromSeconds(1),
                WebhookSecret = await SecretAsync(folder, "servicenow-webhook", ServiceNowWebhookSecret),
            },
            PollTick = TimeSpan.FromSeconds(1),
            UnavailableAfterFailures = 3,
            MaxPollBackoff = TimeSpan.FromSeconds(2),
            Reconcile = new ReconcileOptions { ConfirmInterval = TimeSpan.FromMilliseconds(200), ConfirmWindow = TimeSpan.FromSeconds(2) },
        };
        var bindings = new ApprovalWorkflowBindings
        {
            Connections = new Dictionary<string, ApprovalWorkflowBinding>
            {
                [GatewayFixture.Connection] = new() { DefinitionId = (string)definition["definitionId"]!, TicketSystem = serviceNow is null ? TicketSystems.Jira : TicketSystems.ServiceNow },
            },
        };
        var gateway = await GatewayFixture.StartAsync(postgres, options => GatewayFixture.WithWorkflows(options with { Tickets = tickets },
            new WorkflowOptions { Directory = directory, Approvals = bindings }));
        if (jira is not null)
        {
            jira.WebhookSecret = dataCenter ? null : JiraWebhookSecret;
            jira.WebhookUrl = new Uri(dataCenter ? $"{gateway.HttpUrl}/webhooks/jira/{JiraUrlToken}" : $"{gateway.HttpUrl}/webhooks/jira");
        }
        if (serviceNow is not null) serviceNow.WebhookSecret = ServiceNowWebhookSecret;
        return gateway;
    }

    /// <summary>Open a ticket in the bound system, wait for its decision; an unreachable system or (with a deadline) time running out falls back to Block.</summary>
    public static JsonObject TicketApproval(string system, TimeSpan? deadline = null, TimeSpan? escalateAfter = null, string? notes = null)
    {
        var open = system == TicketSystems.Jira ? "TicketGate.OpenJiraIssue" : "TicketGate.OpenServiceNowChange";
        var openStep = notes is null ? Activity("open", open) : Activity("open", open, ("description", Liquid(notes)));
        var activities = Array(Activity("start", "Elsa.Start"), openStep, Activity("wait", "TicketGate.WaitForTicketDecision"),
            Activity("allow", "TicketGate.Allow"), Activity("deny", "TicketGate.Deny"),
            Activity("fallback", "TicketGate.FallbackPolicy", ("mode", Literal("String", "Block"))), Activity("fallback-deny", "TicketGate.Deny"));
        var connections = Array(Connect("start", "Done", "open"), Connect("open", "Unavailable", "fallback"),
            Connect("wait", "Approved", "allow"), Connect("wait", "Rejected", "deny"), Connect("wait", "Unavailable", "fallback"),
            Connect("fallback", "Denied", "fallback-deny"));
        if (escalateAfter is { } after)
        {
            activities.Add(Activity("fork", "Elsa.FlowFork", ("branches", Input("String[]", "Object", "[\"Ticket\",\"Escalation\"]"))));
            activities.Add(Activity("escalate", "TicketGate.Escalate", ("after", Literal("TimeSpan", after.ToString("c"))),
                ("escalationGroup", Literal("String", "change-managers"))));
            connections.Add(Connect("open", "Opened", "fork"));
            connections.Add(Connect("fork", "Ticket", "wait"));
            connections.Add(Connect("fork", "Escalation", "escalate"));
        }
        else if (deadline is { } due)
        {
            activities.Add(Activity("fork", "Elsa.FlowFork", ("branches", Input("String[]", "Object", "[\"Ticket\",\"Deadline\"]"))));
            activities.Add(Activity("deadline", "Elsa.Delay", ("timeSpan", Literal("TimeSpan", due.ToString("c")))));
            activities.Add(Activity("timed-out", "TicketGate.FallbackPolicy", ("mode", Literal("String", "Block")),
                ("cause", Literal("String", "nobody decided in the ticket in time"))));
            activities.Add(Activity("timed-out-deny", "TicketGate.Deny"));
            connections.Add(Connect("open", "Opened", "fork"));
            connections.Add(Connect("fork", "Ticket", "wait"));
            connections.Add(Connect("fork", "Deadline", "deadline"));
            connections.Add(Connect("deadline", "Done", "timed-out"));
            connections.Add(Connect("timed-out", "Denied", "timed-out-deny"));
        }
        else
        {
            connections.Add(Connect("open", "Opened", "wait"));
        }
        return Definition(system + "-ticket-approval", activities, connections);
    }

    /// <summary>The ticket TicketGate recorded for the request (it follows only tickets it recorded).</summary>
    public static async Task<TicketLink> TicketOfAsync(GatewayFixture gateway, Guid requestId)
    {
        var links = gateway.Services.GetRequiredService<TicketLinkStore>();
        for (var i = 0; i < 400; i++)
        {
            if (await links.FindAsync(requestId, CancellationToken.None) is { } link) return link;
            await Task.Delay(50);
        }
        throw new TimeoutException($"TicketGate recorded no ticket for request {requestId}");
    }

    /// <summary>workflows/ticket-approval.json as the build ships it.</summary>
    public static JsonObject ShippedTicketApproval() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "workflows", "ticket-approval.json")))!.AsObject();

    public static async Task<T> EventuallyAsync<T>(Func<T?> probe, string what, TimeSpan? timeout = null) where T : class
    {
        var until = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (DateTime.UtcNow < until)
        {
            if (probe() is { } found) return found;
            await Task.Delay(50);
        }
        throw new TimeoutException($"timed out waiting for {what}");
    }

    private static async Task<SecretReference> SecretAsync(string folder, string name, string value)
    {
        var path = Path.Combine(folder, name);
        await File.WriteAllTextAsync(path, value + "\n");
        return SecretReference.FromFile(path);
    }
}
