using TicketGate.Proxy.Configuration;
using TicketGate.Tests.Configuration;

namespace TicketGate.Tests.Tickets;

/// <summary>The <c>tickets:</c> section: connections, status names and webhook secrets as references; mistakes named by key.</summary>
public sealed class TicketConfigurationTests : IDisposable
{
    private readonly ConfigFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public void Jira_cloud_and_ServiceNow_oauth_sections_load_with_secrets_as_references()
    {
        var token = folder.SetVariable("jira-api-token");
        var hook = folder.SetVariable("jira-webhook-secret");
        var password = folder.WriteFile("sn-password", "sn-password\n");
        var clientSecret = folder.SetVariable("sn-client-secret");
        var snHook = folder.SetVariable("sn-webhook-secret");
        var yaml = folder.ValidYaml() + $$"""

            tickets:
              decision_window: 2h
              poll_tick: 10s
              jira:
                flavour: cloud
                base_url: https://acme.atlassian.net
                email: ticketgate@acme.example
                api_token: { env: {{token}} }
                project: GATE
                issue_type: Change
                group_field: customfield_10050
                poll_interval: 2m
                statuses: { approved: [Approved, Go], rejected: [Declined], done: Closed, cancelled: Withdrawn }
                webhook: { secret: { env: {{hook}} } }
              servicenow:
                instance_url: https://acme.service-now.com
                auth: oauth
                user: ticketgate.integration
                password: { file: sn-password }
                client_id: ticketgate-client
                client_secret: { env: {{clientSecret}} }
                assignment_group: Change Advisory Board
                poll_interval: 20s
                states: { closed: "3", cancelled: "4", approved: [approved] }
                webhook: { secret: { env: {{snHook}} }, header: X-Acme-Secret }
            """;

        var tickets = ConfigurationLoader.LoadFromYaml(yaml, "ticketgate.yaml", folder.Path).Tickets!;

        Assert.Equal((TimeSpan.FromHours(2), TimeSpan.FromSeconds(10)), (tickets.DecisionWindow, tickets.PollTick));
        var jira = tickets.Jira!;
        Assert.Equal((JiraFlavour.Cloud, "GATE", "Change", "customfield_10050"), (jira.Flavour, jira.Client.ProjectKey, jira.Client.IssueType, jira.Client.GroupField));
        Assert.Equal(["Approved", "Go"], jira.Client.Statuses.Approved);
        Assert.Equal(("Closed", "Withdrawn"), (jira.Client.Statuses.Done, jira.Client.Statuses.Cancelled));
        Assert.Equal((token, hook), (jira.Token.Environment, jira.WebhookSecret?.Environment));
        Assert.Equal(TimeSpan.FromMinutes(2), jira.PollInterval);
        var sn = tickets.ServiceNow!;
        Assert.Equal((ServiceNowAuth.OAuth, "ticketgate-client", "Change Advisory Board"), (sn.Auth, sn.ClientId, sn.Client.AssignmentGroup));
        Assert.Equal(password, sn.Password.File);
        Assert.Equal(("X-Acme-Secret", TimeSpan.FromSeconds(20)), (sn.WebhookHeader, sn.PollInterval));
        // Only the references are kept: no option holds a secret's value.
        Assert.DoesNotContain("jira-api-token", System.Text.Json.JsonSerializer.Serialize(jira.Token), StringComparison.Ordinal);
    }

    [Fact]
    public void Mistakes_in_the_tickets_section_name_their_keys_and_never_echo_a_secret()
    {
        var yaml = folder.ValidYaml() + """

            tickets:
              jira:
                flavour: datacenter
                base_url: jira.corp
                project: GATE
                api_token: pasted-the-token-here
                webhook: {}
              servicenow:
                instance_url: https://acme.service-now.com
                auth: kerberos
                user: ticketgate
                password: { env: TG_TEST_VARIABLE_THAT_IS_NOT_SET }
                polling: 30s
            """;

        var error = Assert.Throws<ConfigurationException>(() => ConfigurationLoader.LoadFromYaml(yaml, "ticketgate.yaml", folder.Path));

        Assert.Contains(error.Problems, p => p.KeyPath == "tickets.jira.base_url" && p.Message.Contains("absolute", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.KeyPath == "tickets.jira.personal_access_token");
        Assert.Contains(error.Problems, p => p.KeyPath == "tickets.jira.api_token");
        Assert.Contains(error.Problems, p => p.KeyPath == "tickets.jira.webhook" && p.Message.Contains("url_token", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.KeyPath == "tickets.servicenow.auth" && p.Message.Contains("basic or oauth", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.KeyPath == "tickets.servicenow.password" && p.Message.Contains("is not set", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.KeyPath == "tickets.servicenow.polling" && p.Message.Contains("unknown key", StringComparison.Ordinal));
        Assert.DoesNotContain(error.Problems, p => p.Message.Contains("pasted-the-token-here", StringComparison.Ordinal));
    }
}
