using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace TicketGate.Workflows.Approvals;

/// <summary>
/// Decisions between TicketGate processes sharing one database: a decision is delivered in this process at once, or, when no
/// command here waits for it, announced with NOTIFY; every process LISTENs, re-reads the request from the store (the notification carries only its id) and delivers the
/// decision to a command waiting there. After a lost listening connection, waiting requests are re-checked against the store, so
/// a notification missed meanwhile is not a lost decision.
/// </summary>
public sealed partial class PostgresDecisionChannel(
    NpgsqlDataSource dataSource, ApprovalRequestStore store, DecisionSignals signals, ILogger<PostgresDecisionChannel> logger)
    : BackgroundService, IDecisionPublisher
{
    public const string Channel = "ticketgate_decisions";

    public async Task PublishAsync(ApprovalDecision decision, CancellationToken cancellationToken)
    {
        // A command waits for a request in one process only; when it waits here, nobody else needs to hear of it.
        if (signals.Deliver(decision)) return;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var notify = new NpgsqlCommand("SELECT pg_notify(@channel, @id)", connection);
        notify.Parameters.AddWithValue("channel", Channel);
        notify.Parameters.AddWithValue("id", decision.RequestId.ToString());
        await notify.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromMilliseconds(200);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken).ConfigureAwait(false);
                connection.Notification += (_, e) => _ = OnNotificationAsync(e.Payload, stoppingToken);
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken).ConfigureAwait(false);
                }
                await RecheckWaitingAsync(stoppingToken).ConfigureAwait(false);
                delay = TimeSpan.FromMilliseconds(200);
                while (!stoppingToken.IsCancellationRequested) await connection.WaitAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException)
            {
                LogListenFailed(logger, e.Message, delay.TotalMilliseconds);
                await Task.Delay(delay, stoppingToken).ConfigureAwait(false);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 10_000));
            }
        }
    }

    private async Task OnNotificationAsync(string payload, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(payload, out var requestId) || !signals.IsWaiting(requestId)) return;
        try
        {
            if ((await store.GetAsync(requestId, cancellationToken).ConfigureAwait(false))?.Decision is { } decision) signals.Deliver(decision);
        }
        catch (ApprovalStoreUnavailableException e)
        {
            LogRecheckFailed(logger, requestId, e.Message);
        }
    }

    private async Task RecheckWaitingAsync(CancellationToken cancellationToken)
    {
        foreach (var requestId in signals.WaitingRequests())
        {
            if ((await store.GetAsync(requestId, cancellationToken).ConfigureAwait(false))?.Decision is { } decision) signals.Deliver(decision);
        }
    }

    [LoggerMessage(300, LogLevel.Warning, "Listening for decisions failed ({Reason}); retrying in {DelayMs} ms")]
    private static partial void LogListenFailed(ILogger logger, string reason, double delayMs);

    [LoggerMessage(301, LogLevel.Warning, "Could not read the decision of request {RequestId}: {Reason}")]
    private static partial void LogRecheckFailed(ILogger logger, Guid requestId, string reason);
}
