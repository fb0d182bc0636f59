using TicketGate.Integrations.Transport;

namespace TicketGate.Integrations.Tickets;

/// <summary>How hard creation looks for a ticket whose create call lost its answer, before creating again.</summary>
public sealed class CreateOnceOptions
{
    /// <summary>Create calls in total, counting the first. Each one after the first follows a search that found nothing.</summary>
    public int MaxCreateAttempts { get; init; } = 3;
    /// <summary>Waits before each search. Jira search is eventually consistent, so it looks several times over about 5 s.</summary>
    public IReadOnlyList<TimeSpan> SearchDelays { get; init; } =
        [TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(2.5)];
}

/// <summary>
/// The create-once protocol: POST; if the answer is lost (timeout, reset, 5xx), search by the idempotency key, looking again
/// while search lags, and only create again when no search found the ticket.
/// </summary>
public static class CreateOnce
{
    public static async Task<TicketRef> RunAsync(
        string system,
        string idempotencyKey,
        Func<CancellationToken, Task<TicketRef>> create,
        Func<CancellationToken, Task<TicketRef?>> find,
        CreateOnceOptions options,
        CancellationToken cancellationToken)
    {
        WriteUnconfirmedException? last = null;
        for (var attempt = 1; attempt <= options.MaxCreateAttempts; attempt++)
        {
            try
            {
                return await create(cancellationToken).ConfigureAwait(false);
            }
            catch (WriteUnconfirmedException e)
            {
                last = e;
            }
            foreach (var delay in options.SearchDelays)
            {
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                var found = await find(cancellationToken).ConfigureAwait(false);
                if (found is not null) return found;
            }
        }
        throw new TicketSystemException(system, "create ticket", last!.Failure.Status,
            $"{options.MaxCreateAttempts} create calls for {idempotencyKey} got no usable answer and no search found the ticket " +
            $"(last: {last.Failure.VendorMessage}); the ticket may still appear, search for {idempotencyKey} before retrying", last);
    }
}
