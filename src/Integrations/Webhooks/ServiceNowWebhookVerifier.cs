using System.Text.Json;
using System.Text.Json.Nodes;
using TicketGate.Integrations.ServiceNow;

namespace TicketGate.Integrations.Webhooks;

public sealed class ServiceNowWebhookOptions
{
    /// <summary>The shared secret the customer's business rule sends (docs/servicenow-business-rule.md).</summary>
    public required Func<string> Secret { get; init; }
    public string SecretHeader { get; init; } = ServiceNowWebhookVerifier.DefaultSecretHeader;
    public ServiceNowStates States { get; init; } = new();
}

/// <summary>
/// Checks a POST from the business rule on change_request (shared-secret header) and reduces it to a <see cref="ReconcileRequest"/>.
/// Polling stays the baseline; this only makes a decision arrive sooner.
/// </summary>
public sealed class ServiceNowWebhookVerifier(ServiceNowWebhookOptions options, IWebhookDeliveryLog deliveries)
{
    public const string DefaultSecretHeader = "X-TicketGate-Secret";

    public WebhookVerdict Verify(ReadOnlySpan<byte> body, Func<string, string?> header, DateTimeOffset now)
    {
        if (!SharedSecret.Matches(header(options.SecretHeader), options.Secret()))
        {
            return new WebhookVerdict(WebhookOutcome.Unauthorized, $"missing or wrong {options.SecretHeader}");
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
        var sysId = ServiceNowRecord.Value(payload, "sys_id");
        if (string.IsNullOrEmpty(sysId)) return new WebhookVerdict(WebhookOutcome.Malformed, "the payload names no sys_id");

        // sys_mod_count rises with every update, so (sys_id, sys_mod_count) identifies one change of the record.
        if (ServiceNowRecord.Value(payload, "sys_mod_count") is { } modCount && !deliveries.TryRecord($"servicenow:{sysId}:{modCount}", now))
        {
            return new WebhookVerdict(WebhookOutcome.Duplicate, $"update {modCount} of {sysId} was handled already");
        }
        var approval = ServiceNowRecord.Value(payload, "approval");
        var request = new ReconcileRequest(TicketFamily.ServiceNow, sysId, ServiceNowRecord.Value(payload, "number"), approval,
            approval is null ? null : options.States.VerdictOf(approval));
        return new WebhookVerdict(WebhookOutcome.Accepted, $"reconcile {request.TicketKey ?? sysId}", request);
    }
}
