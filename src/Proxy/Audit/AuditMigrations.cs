using TicketGate.Workflows.Storage;

namespace TicketGate.Proxy.Audit;

/// <summary>The audit table (<c>ticketgate.audit_log</c>), from Migrations/*.sql.</summary>
public sealed class AuditMigrations()
    : EmbeddedSqlMigrations(typeof(AuditMigrations).Assembly, "ticketgate/migrations/audit/", "audit");
