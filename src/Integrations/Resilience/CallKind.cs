namespace TicketGate.Integrations.Resilience;

/// <summary>What a call does to the remote system, which decides what may be retried blindly.</summary>
public enum CallKind
{
    /// <summary>Reads, and writes that are safe to repeat (PUT, PATCH of fixed values, transitions after a status check).</summary>
    Repeatable,
    /// <summary>A POST that creates a record: retried only when the system surely did nothing (429, connection refused).</summary>
    Create,
}
