using TicketGate.Workflows.Storage;

namespace TicketGate.Workflows.Approvals;

/// <summary>The approval tables (<c>ticketgate.approval_requests</c>, <c>ticketgate.approval_votes</c>), from Migrations/*.sql.</summary>
public sealed class ApprovalMigrations()
    : EmbeddedSqlMigrations(typeof(ApprovalMigrations).Assembly, "ticketgate/migrations/approvals/", "approvals");
