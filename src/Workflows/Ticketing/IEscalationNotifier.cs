using Microsoft.Extensions.Logging;

namespace TicketGate.Workflows.Ticketing;

/// <summary>An approval that waited too long was handed to more people.</summary>
public sealed record Escalation(Guid RequestId, string Group, string Message, string WorkflowInstanceId);

/// <summary>Tells the escalation group that a request now waits for them (chat, mail, pager; the log by default).</summary>
public interface IEscalationNotifier
{
    Task NotifyAsync(Escalation escalation, CancellationToken cancellationToken);
}

/// <summary>Writes escalations to the gateway log, where operators' alerting picks them up.</summary>
public sealed partial class LoggingEscalationNotifier(ILogger<LoggingEscalationNotifier> logger) : IEscalationNotifier
{
    public Task NotifyAsync(Escalation escalation, CancellationToken cancellationToken)
    {
        LogEscalated(logger, escalation.RequestId, escalation.Group, escalation.Message);
        return Task.CompletedTask;
    }

    [LoggerMessage(300, LogLevel.Warning, "Request {RequestId} escalated to {Group}: {Message}")]
    private static partial void LogEscalated(ILogger logger, Guid requestId, string group, string message);
}
