namespace TicketGate.Integrations.Webhooks;

public enum WebhookOutcome
{
    /// <summary>Genuine and new: enqueue <see cref="WebhookVerdict.Request"/>.</summary>
    Accepted,
    /// <summary>Genuine, but this delivery was seen before (the sender retried).</summary>
    Duplicate,
    /// <summary>Genuine, but not about a ticket change TicketGate follows.</summary>
    Ignored,
    /// <summary>The signature or token is missing or wrong.</summary>
    Unauthorized,
    /// <summary>Authentic but unreadable.</summary>
    Malformed,
}

/// <summary>What the receiver should do with one delivery, and the status code to answer with.</summary>
public sealed record WebhookVerdict(WebhookOutcome Outcome, string Reason, ReconcileRequest? Request = null)
{
    /// <summary>200 for everything genuine, so the sender stops retrying; 401 and 400 otherwise.</summary>
    public int StatusCode => Outcome switch
    {
        WebhookOutcome.Unauthorized => 401,
        WebhookOutcome.Malformed => 400,
        _ => 200,
    };
}
