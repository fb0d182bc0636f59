namespace TicketGate.Integrations.Tickets;

public sealed class ReconcileOptions
{
    /// <summary>When a webhook said "decided" but REST still says pending, re-read this often...</summary>
    public TimeSpan ConfirmInterval { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>...for this long, then leave it to polling.</summary>
    public TimeSpan ConfirmWindow { get; init; } = TimeSpan.FromSeconds(60);
}

/// <summary>
/// Turns a hint (webhook or poll tick) into the ticket's decision by reading it over REST. The REST answer always wins: a webhook
/// claiming approval while the ticket is pending is waited on for a while, never believed.
/// </summary>
public sealed class TicketReconciler(ITicketDecisionReader reader, ReconcileOptions? options = null, TimeProvider? time = null)
{
    private readonly ReconcileOptions _options = options ?? new ReconcileOptions();
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public async Task<TicketDecision> ReconcileAsync(TicketRef ticket, TicketVerdict? hinted, CancellationToken cancellationToken)
    {
        var giveUpAt = _time.GetUtcNow() + _options.ConfirmWindow;
        while (true)
        {
            var decision = await reader.ReadDecisionAsync(ticket, cancellationToken).ConfigureAwait(false);
            // Search and read paths lag behind the event that fired the webhook; give them time to catch up.
            if (decision.IsFinal || hinted is null or TicketVerdict.Pending || _time.GetUtcNow() >= giveUpAt) return decision;
            await Task.Delay(_options.ConfirmInterval, _time, cancellationToken).ConfigureAwait(false);
        }
    }
}
