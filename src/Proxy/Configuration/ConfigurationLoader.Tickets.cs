using TicketGate.Integrations.Jira;
using TicketGate.Integrations.ServiceNow;

namespace TicketGate.Proxy.Configuration;

public static partial class ConfigurationLoader
{
    /// <summary>
    /// <c>tickets: { decision_window, poll_tick, environment_tag, jira: {...}, servicenow: {...} }</c>. Credentials and webhook
    /// secrets are { env: NAME } or { file: PATH } references, checked readable now and read again on use.
    /// </summary>
    private static TicketOptions? ReadTickets(YamlSection? section)
    {
        if (section is null) return null;
        var defaults = new TicketOptions();
        var jira = ReadJira(section.Section("jira"));
        var serviceNow = ReadServiceNow(section.Section("servicenow"));
        if (!section.Has("jira") && !section.Has("servicenow"))
        {
            section.Problem("configure jira, servicenow or both under tickets (or leave the tickets section out)");
        }
        var options = new TicketOptions
        {
            Jira = jira,
            ServiceNow = serviceNow,
            DecisionWindow = section.Duration("decision_window") ?? defaults.DecisionWindow,
            PollTick = section.Duration("poll_tick") ?? defaults.PollTick,
            EnvironmentTag = section.Text("environment_tag") ?? defaults.EnvironmentTag,
            UnavailableAfterFailures = section.Integer("unavailable_after_failures", 1, 1000) ?? defaults.UnavailableAfterFailures,
            MaxPollBackoff = section.Duration("max_poll_backoff") ?? defaults.MaxPollBackoff,
        };
        if (options.PollTick < TimeSpan.FromSeconds(1)) section.Problem("poll_tick", "must be at least 1s");
        section.RejectUnknownKeys();
        return options;
    }

    private static JiraConnectionOptions? ReadJira(YamlSection? section)
    {
        if (section is null) return null;
        JiraFlavour? flavour = section.Text("flavour", required: true)?.ToLowerInvariant() switch
        {
            null => null,
            "cloud" => JiraFlavour.Cloud,
            "datacenter" or "data_center" or "server" => JiraFlavour.DataCenter,
            var other => Invalid(section, "flavour", $"'{other}' is not a Jira flavour; use cloud or datacenter"),
        };
        var baseUrl = section.Url("base_url", true, "https", "http");
        var project = section.Text("project", required: true);
        var email = section.Text("email");
        var token = flavour == JiraFlavour.DataCenter
            ? section.Secret("personal_access_token", required: true)
            : section.Secret("api_token", required: flavour == JiraFlavour.Cloud);
        if (flavour == JiraFlavour.Cloud && email is null) section.Problem("email", "Jira Cloud authenticates with the API token's account email; set email");
        if (flavour == JiraFlavour.DataCenter && section.Has("api_token"))
        {
            section.Problem("api_token", "Jira Data Center uses a personal access token; set personal_access_token instead");
        }
        var statusDefaults = new JiraStatusNames();
        var statusSection = section.Section("statuses");
        var statuses = statusSection is { } s
            ? new JiraStatusNames
            {
                Approved = s.TextList("approved") ?? statusDefaults.Approved,
                Rejected = s.TextList("rejected") ?? statusDefaults.Rejected,
                Done = s.Text("done") ?? statusDefaults.Done,
                Cancelled = s.Text("cancelled") ?? statusDefaults.Cancelled,
            }
            : statusDefaults;
        statusSection?.RejectUnknownKeys();
        var webhook = section.Section("webhook");
        var secret = webhook?.Secret("secret");
        var urlToken = webhook?.Secret("url_token");
        if (webhook is not null && secret is null && urlToken is null && !webhook.Has("secret") && !webhook.Has("url_token"))
        {
            webhook.Problem("give secret (X-Hub-Signature, Jira Cloud) or url_token (Data Center), or leave webhook out and rely on polling");
        }
        webhook?.RejectUnknownKeys();
        var pollInterval = section.Duration("poll_interval") ?? TimeSpan.FromSeconds(60);
        var groupField = section.Text("group_field");
        var issueType = section.Text("issue_type") ?? "Task";
        var jsm = section.Boolean("service_management_approvals") ?? false;
        section.RejectUnknownKeys();
        if (flavour is null || baseUrl is null || project is null || token is null) return null;
        return new JiraConnectionOptions
        {
            Flavour = flavour.Value,
            Client = new JiraOptions
            {
                BaseUrl = baseUrl,
                ProjectKey = project,
                IssueType = issueType,
                Statuses = statuses,
                GroupField = groupField,
                DecideByServiceManagementApprovals = jsm,
            },
            Email = email,
            Token = token,
            PollInterval = pollInterval,
            WebhookSecret = secret,
            WebhookUrlToken = urlToken,
        };
    }

    private static ServiceNowConnectionOptions? ReadServiceNow(YamlSection? section)
    {
        if (section is null) return null;
        var instance = section.Url("instance_url", true, "https", "http");
        ServiceNowAuth? auth = (section.Text("auth") ?? "basic").ToLowerInvariant() switch
        {
            "basic" => ServiceNowAuth.Basic,
            "oauth" => ServiceNowAuth.OAuth,
            var other => InvalidAuth(section, other),
        };
        var user = section.Text("user", required: true);
        var password = section.Secret("password", required: true);
        var clientId = section.Text("client_id", required: auth == ServiceNowAuth.OAuth);
        var clientSecret = section.Secret("client_secret", required: auth == ServiceNowAuth.OAuth);
        var stateDefaults = new ServiceNowStates();
        var stateSection = section.Section("states");
        var states = stateSection is { } s
            ? new ServiceNowStates
            {
                New = s.Text("new") ?? stateDefaults.New,
                Assess = s.Text("assess") ?? stateDefaults.Assess,
                Closed = s.Text("closed") ?? stateDefaults.Closed,
                Cancelled = s.Text("cancelled") ?? stateDefaults.Cancelled,
                Approved = s.TextList("approved") ?? stateDefaults.Approved,
                Rejected = s.TextList("rejected") ?? stateDefaults.Rejected,
                ClosedCode = s.Text("closed_code") ?? stateDefaults.ClosedCode,
                CancelledCode = s.Text("cancelled_code") ?? stateDefaults.CancelledCode,
            }
            : stateDefaults;
        stateSection?.RejectUnknownKeys();
        var webhook = section.Section("webhook");
        var secret = webhook?.Secret("secret", required: true);
        var header = webhook?.Text("header") ?? TicketGate.Integrations.Webhooks.ServiceNowWebhookVerifier.DefaultSecretHeader;
        webhook?.RejectUnknownKeys();
        var pollInterval = section.Duration("poll_interval") ?? TimeSpan.FromSeconds(30);
        var group = section.Text("assignment_group");
        section.RejectUnknownKeys();
        if (instance is null || auth is null || user is null || password is null) return null;
        return new ServiceNowConnectionOptions
        {
            Client = new ServiceNowOptions { InstanceUrl = instance, AssignmentGroup = group, States = states },
            Auth = auth.Value,
            User = user,
            Password = password,
            ClientId = clientId,
            ClientSecret = clientSecret,
            PollInterval = pollInterval,
            WebhookSecret = secret,
            WebhookHeader = header,
        };
    }

    private static JiraFlavour? Invalid(YamlSection section, string key, string message)
    {
        section.Problem(key, message);
        return null;
    }

    private static ServiceNowAuth? InvalidAuth(YamlSection section, string value)
    {
        section.Problem("auth", $"'{value}' is not a ServiceNow authentication; use basic or oauth");
        return null;
    }
}
