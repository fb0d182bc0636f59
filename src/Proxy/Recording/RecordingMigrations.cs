using TicketGate.Workflows.Storage;

namespace TicketGate.Proxy.Recording;

/// <summary>The session recording tables (<c>ticketgate.recorded_sessions</c>, <c>ticketgate.session_events</c>), from Migrations/*.sql.</summary>
public sealed class RecordingMigrations()
    : EmbeddedSqlMigrations(typeof(RecordingMigrations).Assembly, "ticketgate/migrations/recording/", "recording");
