namespace TicketGate.Workflows.Storage;

/// <summary>TicketGate could not open a connection to its own database. The message is written for the person starting it.</summary>
public sealed class StateDatabaseUnreachableException(string message, Exception inner) : Exception(message, inner);

/// <summary>A migration's SQL failed; nothing of that run was applied.</summary>
public sealed class StateMigrationFailedException(string migrationId, string message, Exception inner) : Exception(message, inner)
{
    public string MigrationId { get; } = migrationId;
}
