using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TicketGate.Integrations.Webhooks;

namespace TicketGate.Workflows.Ticketing;

/// <summary>
/// Where webhook receivers put "re-read ticket X" and return at once: the senders want an answer within about a second, while a
/// reconcile re-reads the ticket over REST and may wait a minute for REST to agree with the hint. Lost on a crash, which polling
/// makes good: every open ticket is also polled.
/// </summary>
public sealed partial class TicketReconcileQueue(TicketFollowUp followUp, ILogger<TicketReconcileQueue> logger) : BackgroundService
{
    private const int Capacity = 10_000;
    private const int Concurrency = 8;

    private readonly Channel<ReconcileRequest> _queue = Channel.CreateBounded<ReconcileRequest>(
        new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });
    private readonly SemaphoreSlim _running = new(Concurrency, Concurrency);

    /// <summary>False when the queue is full; the receiver then answers 503 so the sender delivers again later.</summary>
    public bool TryEnqueue(ReconcileRequest request) => _queue.Writer.TryWrite(request);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var request in _queue.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                await _running.WaitAsync(stoppingToken).ConfigureAwait(false);
                _ = Task.Run(() => ReconcileAsync(request, stoppingToken), CancellationToken.None);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task ReconcileAsync(ReconcileRequest request, CancellationToken cancellationToken)
    {
        try
        {
            await followUp.ReconcileAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            // Polling reads the ticket again later; a failed hint only costs time.
            LogFailed(logger, request.TicketKey ?? request.TicketId, e.Message);
        }
        finally
        {
            _running.Release();
        }
    }

    [LoggerMessage(4020, LogLevel.Warning, "Reconciling ticket {Ticket} after a webhook failed; polling will read it again: {Reason}")]
    private static partial void LogFailed(ILogger logger, string ticket, string reason);
}
