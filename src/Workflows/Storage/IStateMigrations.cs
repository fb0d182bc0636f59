namespace TicketGate.Workflows.Storage;

/// <summary>One change to TicketGate's state schema. <see cref="Id"/> is recorded once applied and must never change.</summary>
public sealed record StateMigration(string Id, string Sql);

/// <summary>
/// The migrations one component contributes to TicketGate's state database (the approvals tables, the audit log…).
/// A component owns its tables, so its SQL ships in its own assembly.
/// </summary>
public interface IStateMigrations
{
    /// <summary>This component's migrations, in the order they must apply.</summary>
    IReadOnlyList<StateMigration> Migrations { get; }
}
