using TicketGate.Workflows.Storage;

namespace TicketGate.Workflows.Ticketing;

/// <summary>The ticketing tables (<c>ticketgate.ticket_links</c>), from Migrations/*.sql.</summary>
public sealed class TicketMigrations()
    : EmbeddedSqlMigrations(typeof(TicketMigrations).Assembly, "ticketgate/migrations/tickets/", "tickets");
