using TicketGate.Integrations.Jira;
using TicketGate.Integrations.ServiceNow;
using TicketGate.Integrations.Tickets;

namespace TicketGate.Proxy.Configuration;

/// <summary>The <c>tickets:</c> section: the Jira and ServiceNow connections approval workflows open tickets in.</summary>
public sealed class TicketOptions
{
    public JiraConnectionOptions? Jira { get; init; }
    public ServiceNowConnectionOptions? ServiceNow { get; init; }
    /// <summary>The "decide before" a ticket shows while the request has no deadline of its own; a decision after it releases nothing.</summary>
    public TimeSpan DecisionWindow { get; init; } = TimeSpan.FromHours(1);
    /// <summary>How often the Hangfire poll job looks for tickets whose poll is due.</summary>
    public TimeSpan PollTick { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>The connection tag shown as the ticket's environment.</summary>
    public string EnvironmentTag { get; init; } = "env";
    public ReconcileOptions Reconcile { get; init; } = new();
    /// <summary>Failed reads of one ticket in a row before it is reported unavailable (the workflow's fallback then decides).</summary>
    public int UnavailableAfterFailures { get; init; } = 8;
    /// <summary>The longest wait between polls of a ticket whose reads fail.</summary>
    public TimeSpan MaxPollBackoff { get; init; } = TimeSpan.FromMinutes(5);
}

public enum JiraFlavour
{
    /// <summary>Jira Cloud: REST v3, ADF, email + API token.</summary>
    Cloud,
    /// <summary>Jira Data Center: REST v2, wiki text, personal access token.</summary>
    DataCenter,
}

public sealed class JiraConnectionOptions
{
    public required JiraFlavour Flavour { get; init; }
    /// <summary>Site, project, issue type, status names, group field: what the client needs besides credentials.</summary>
    public required JiraOptions Client { get; init; }
    /// <summary>Cloud only: the account the API token belongs to.</summary>
    public string? Email { get; init; }
    /// <summary>Cloud: the API token. Data Center: the personal access token.</summary>
    public required SecretReference Token { get; init; }
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>The admin webhook's secret (X-Hub-Signature). Preferred on Cloud.</summary>
    public SecretReference? WebhookSecret { get; init; }
    /// <summary>Where Jira can't sign (Data Center): the token in the webhook URL, /webhooks/jira/{token}.</summary>
    public SecretReference? WebhookUrlToken { get; init; }
}

public enum ServiceNowAuth
{
    Basic,
    /// <summary>OAuth 2.0 password grant against /oauth_token.do, refreshed before expiry.</summary>
    OAuth,
}

public sealed class ServiceNowConnectionOptions
{
    /// <summary>Instance, assignment group, state and approval mapping.</summary>
    public required ServiceNowOptions Client { get; init; }
    public ServiceNowAuth Auth { get; init; } = ServiceNowAuth.Basic;
    public required string User { get; init; }
    public required SecretReference Password { get; init; }
    public string? ClientId { get; init; }
    public SecretReference? ClientSecret { get; init; }
    /// <summary>ServiceNow has no built-in outbound webhook: polling is how decisions arrive unless a business rule posts.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>The shared secret the customer's business rule sends; without it /webhooks/servicenow is off.</summary>
    public SecretReference? WebhookSecret { get; init; }
    public string WebhookHeader { get; init; } = TicketGate.Integrations.Webhooks.ServiceNowWebhookVerifier.DefaultSecretHeader;
}
