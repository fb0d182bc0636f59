using System.Text.Json;
using System.Text.Json.Nodes;
using TicketGate.Integrations.Jira;

namespace TicketGate.Integrations.Webhooks;

public sealed class JiraWebhookOptions
{
    /// <summary>The webhook's secret: deliveries must carry X-Hub-Signature: sha256=HMAC(body). Preferred when Jira supports it.</summary>
    public Func<string>? Secret { get; init; }
    /// <summary>Where Jira cannot sign (Data Center): a token in the webhook URL, compared in constant time.</summary>
    public Func<string>? UrlToken { get; init; }
    /// <summary>Only to weigh the payload's status as a hint; decisions come from the reconciler's REST read.</summary>
    public JiraStatusNames Statuses { get; init; } = new();
}

/// <summary>
/// Checks a Jira webhook delivery (signature or URL token, then delivery id) and reduces it to a <see cref="ReconcileRequest"/>.
/// It never trusts the payload's status: the reconciler re-reads the issue.
/// </summary>
public sealed class JiraWebhookVerifier
{
    public const string SignatureHeader = "X-Hub-Signature";
    public const string DeliveryHeader = "X-Atlassian-Webhook-Identifier";
    public const string RetryHeader = "X-Atlassian-Webhook-Retry";

    private readonly JiraWebhookOptions _options;
    private readonly IWebhookDeliveryLog _deliveries;

    public JiraWebhookVerifier(JiraWebhookOptions options, IWebhookDeliveryLog deliveries)
    {
        if (options.Secret is null && options.UrlToken is null)
        {
            throw new ArgumentException("a Jira webhook needs a secret (X-Hub-Signature) or a URL token; configure one of them", nameof(options));
        }
        _options = options;
        _deliveries = deliveries;
    }

    /// <param name="body">The raw request body, exactly as received: the signature covers these bytes.</param>
    /// <param name="header">Looks up a request header by name (case-insensitive), null when absent.</param>
    /// <param name="urlToken">The token from the webhook URL, when the route carries one.</param>
    public WebhookVerdict Verify(ReadOnlySpan<byte> body, Func<string, string?> header, string? urlToken, DateTimeOffset now)
    {
        if (_options.Secret is { } secret)
        {
            if (!SharedSecret.SignatureMatches(header(SignatureHeader), body, secret()))
            {
                return new WebhookVerdict(WebhookOutcome.Unauthorized, $"missing or wrong {SignatureHeader}");
            }
        }
        else if (!SharedSecret.Matches(urlToken, _options.UrlToken!()))
        {
            return new WebhookVerdict(WebhookOutcome.Unauthorized, "missing or wrong webhook URL token");
        }

        JsonObject? payload;
        try
        {
            payload = JsonNode.Parse(body) as JsonObject;
        }
        catch (JsonException)
        {
            payload = null;
        }
        if (payload is null) return new WebhookVerdict(WebhookOutcome.Malformed, "the body is not a JSON object");
        var webhookEvent = payload["webhookEvent"]?.GetValue<string>();
        if (webhookEvent is not ("jira:issue_updated" or "jira:issue_created"))
        {
            return new WebhookVerdict(WebhookOutcome.Ignored, $"event {webhookEvent ?? "(none)"} does not change a decision");
        }
        var issueId = payload["issue"]?["id"]?.GetValue<string>();
        if (string.IsNullOrEmpty(issueId)) return new WebhookVerdict(WebhookOutcome.Malformed, "the payload names no issue id");

        // Cloud sends a delivery id that survives retries; Data Center does not, so the change itself identifies the delivery.
        var deliveryId = header(DeliveryHeader)
            ?? $"{issueId}:{payload["changelog"]?["id"]?.GetValue<string>() ?? payload["timestamp"]?.ToJsonString() ?? "?"}";
        if (!_deliveries.TryRecord("jira:" + deliveryId, now))
        {
            return new WebhookVerdict(WebhookOutcome.Duplicate, $"delivery {deliveryId} was handled already");
        }
        var status = payload["issue"]?["fields"]?["status"]?["name"]?.GetValue<string>();
        var request = new ReconcileRequest(TicketFamily.Jira, issueId, payload["issue"]?["key"]?.GetValue<string>(), status,
            status is null ? null : _options.Statuses.VerdictOf(status));
        return new WebhookVerdict(WebhookOutcome.Accepted, $"reconcile {request.TicketKey ?? issueId}", request);
    }
}
