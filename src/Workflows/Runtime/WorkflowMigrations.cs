using TicketGate.Workflows.Storage;

namespace TicketGate.Workflows.Runtime;

/// <summary>The workflow tables (definitions, instances, bookmarks), from Runtime/Migrations/*.sql.</summary>
public sealed class WorkflowMigrations()
    : EmbeddedSqlMigrations(typeof(WorkflowMigrations).Assembly, "ticketgate/migrations/workflows/", "workflows");
