using TicketGate.Workflows.Storage;

namespace TicketGate.Workflows.Scheduling;

/// <summary>The scheduling component's tables (Hangfire keeps its own in the <c>hangfire</c> schema).</summary>
public sealed class SchedulingMigrations()
    : EmbeddedSqlMigrations(typeof(SchedulingMigrations).Assembly, "ticketgate/migrations/scheduling/", "scheduling");
