using Microsoft.Extensions.Logging;

namespace TicketGate.Proxy.Audit;

public sealed partial class AuditLog
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Error,
            "The audit store at {Endpoint} failed; keeping {Batch} entries and retrying. Held statements are refused until it is back.")]
        public static partial void StoreFailed(ILogger logger, Exception exception, string endpoint, int batch);

        [LoggerMessage(2, LogLevel.Information, "The audit store at {Endpoint} is writable again.")]
        public static partial void StoreRecovered(ILogger logger, string endpoint);

        [LoggerMessage(3, LogLevel.Warning,
            "The audit queue is full ({Capacity} entries); further entries are dropped and counted until the store catches up.")]
        public static partial void DroppingStarted(ILogger logger, int capacity);

        [LoggerMessage(4, LogLevel.Error,
            "The audit store rejected the entry of session {SessionId} at {At:O}; it is counted as lost.")]
        public static partial void EntryRejected(ILogger logger, Exception exception, string? sessionId, DateTimeOffset at);

        [LoggerMessage(5, LogLevel.Warning, "Wrote an audit_gap row: {Lost} entries lost between {From:O} and {To:O}.")]
        public static partial void GapWritten(ILogger logger, long lost, DateTimeOffset from, DateTimeOffset to);

        [LoggerMessage(6, LogLevel.Error,
            "{Count} audit entries were not written before shutdown because the audit store at {Endpoint} was unavailable.")]
        public static partial void LostAtShutdown(ILogger logger, long count, string endpoint);
    }
}
