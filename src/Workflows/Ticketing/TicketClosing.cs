using Hangfire;
using Microsoft.Extensions.Logging;
using TicketGate.Integrations.Tickets;
using TicketGate.Workflows.Approvals;
using TicketGate.Workflows.Runtime;

namespace TicketGate.Workflows.Ticketing;

/// <summary>
/// When an approval workflow ends (decided, failed or cancelled because the request was withdrawn), its ticket is closed with the
/// outcome. The closing itself runs as a Hangfire job, so it survives restarts and retries while the ticket system is down.
/// Registered after <see cref="ApprovalWorkflowObserver"/>, so a workflow that ended without a decision is already denied.
/// </summary>
public sealed partial class TicketClosingObserver(TicketLinkStore links, IBackgroundJobClient jobs, ILogger<TicketClosingObserver> logger)
    : IWorkflowInstanceObserver
{
    public async ValueTask InstanceSavedAsync(WorkflowInstance instance, CancellationToken cancellationToken)
    {
        if (!instance.IsFinished || ApprovalWorkflowInput.RequestIdOf(instance.Input) is not { } requestId) return;
        var link = await links.FindAsync(requestId, cancellationToken).ConfigureAwait(false);
        if (link is null || link.State == TicketLinkState.Closed) return;
        // Hangfire's client blocks on the database; a decision must not wait on it.
        _ = Task.Run(() =>
        {
            try
            {
                jobs.Enqueue<TicketCloseJob>(job => job.CloseAsync(requestId, CancellationToken.None));
            }
            catch (Exception e)
            {
                LogEnqueueFailed(logger, link.Ticket.Key, e.Message);
            }
        }, CancellationToken.None);
    }

    [LoggerMessage(4040, LogLevel.Warning, "Could not queue the closing of ticket {TicketKey}: {Reason}")]
    private static partial void LogEnqueueFailed(ILogger logger, string ticketKey, string reason);
}

/// <summary>Writes the outcome on the ticket (who decided, whether the fallback did, the session record) and moves it to done or cancelled.</summary>
public sealed partial class TicketCloseJob(TicketConnections connections, TicketLinkStore links, ApprovalRequestStore requests,
    ILogger<TicketCloseJob> logger)
{
    [AutomaticRetry(Attempts = 8)]
    public async Task CloseAsync(Guid requestId, CancellationToken cancellationToken)
    {
        var link = await links.FindAsync(requestId, cancellationToken).ConfigureAwait(false);
        if (link is null || link.State == TicketLinkState.Closed || connections.Find(link.System) is not { } connection) return;
        var stored = await requests.GetAsync(requestId, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"request {requestId} of ticket {link.Ticket.Key} is gone");
        if (stored.IsPending) throw new InvalidOperationException($"request {requestId} is still pending; its ticket {link.Ticket.Key} stays open");

        var outcome = stored.Status.ToName() + (stored.Reason is { Length: > 0 } reason ? $" ({reason})" : "");
        var closure = new TicketClosure
        {
            Kind = stored.Status is ApprovalStatus.Approved or ApprovalStatus.Rejected ? TicketCloseKind.Done : TicketCloseKind.Cancelled,
            Outcome = outcome,
            DecidedBy = stored.DecidedBy,
            ByFallback = stored.ByFallback,
            SessionRecord = stored.Request.SessionId is { } session && connections.SessionRecord is { } record ? record(session) : null,
        };
        await connection.Client.CloseAsync(link.Ticket, closure, cancellationToken).ConfigureAwait(false);
        if (await links.MarkClosedAsync(requestId, cancellationToken).ConfigureAwait(false)) LogClosed(logger, link.Ticket.Key, outcome);
    }

    [LoggerMessage(4041, LogLevel.Information, "Closed ticket {TicketKey}: {Outcome}")]
    private static partial void LogClosed(ILogger logger, string ticketKey, string outcome);
}

/// <summary>
/// Escalation reaches the ticket too: a comment and the escalation group on the ticket, after the usual notification. A ticket
/// system that fails here is logged, never allowed to fail the workflow (the escalation in TicketGate already happened).
/// </summary>
public sealed partial class TicketEscalationNotifier(IEscalationNotifier inner, TicketConnections connections, TicketLinkStore links,
    ILogger<TicketEscalationNotifier> logger) : IEscalationNotifier
{
    public async Task NotifyAsync(Escalation escalation, CancellationToken cancellationToken)
    {
        await inner.NotifyAsync(escalation, cancellationToken).ConfigureAwait(false);
        var link = await links.FindAsync(escalation.RequestId, cancellationToken).ConfigureAwait(false);
        if (link is null || link.State == TicketLinkState.Closed || connections.Find(link.System) is not { } connection) return;
        try
        {
            await connection.Client.EscalateAsync(link.Ticket, new TicketEscalation($"TicketGate escalation: {escalation.Message}", escalation.Group),
                cancellationToken).ConfigureAwait(false);
        }
        catch (TicketSystemException e)
        {
            LogEscalationFailed(logger, link.Ticket.Key, escalation.Group, e.Message);
        }
    }

    [LoggerMessage(4042, LogLevel.Warning, "Could not escalate ticket {TicketKey} to {Group}: {Reason}")]
    private static partial void LogEscalationFailed(ILogger logger, string ticketKey, string group, string reason);
}
