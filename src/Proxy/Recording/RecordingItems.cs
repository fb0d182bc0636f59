namespace TicketGate.Proxy.Recording;

/// <summary>What a recorded event holds.</summary>
public enum RecordedEventKind
{
    /// <summary>Protocol bytes the agent sent (one read of the client pump).</summary>
    Client,
    /// <summary>Protocol bytes the agent was sent, after masking (one read of the server pump).</summary>
    Server,
    /// <summary>A statement was held for approval (JSON: request_id, tier, rule, statement).</summary>
    Hold,
    /// <summary>How a held statement was decided (JSON: request_id, outcome, decided_by, reason).</summary>
    Decision,
    /// <summary>The session reached its recording cap; later protocol bytes are counted, not kept.</summary>
    Truncated,
    /// <summary>An SSH session's command and terminal, or the terminal's new size (JSON: command, term, width, height).</summary>
    Terminal,
}

/// <summary>One event of a session, as the recording keeps it.</summary>
public sealed record RecordedEvent(Guid SessionId, int Sequence, long OffsetUs, RecordedEventKind Kind, byte[] Payload);

/// <summary>A session's row: who, where, when, and how much of it was kept.</summary>
public sealed record RecordedSession(
    Guid Id, string Protocol, string Connection, string Subject, IReadOnlyList<string> Groups, DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt, long RecordedBytes, long OmittedBytes, bool Truncated);

internal static class RecordedEventKinds
{
    public static string ToName(this RecordedEventKind kind) => kind switch
    {
        RecordedEventKind.Client => "client",
        RecordedEventKind.Server => "server",
        RecordedEventKind.Hold => "hold",
        RecordedEventKind.Decision => "decision",
        RecordedEventKind.Terminal => "terminal",
        _ => "truncated",
    };

    public static RecordedEventKind Parse(string name) => name switch
    {
        "client" => RecordedEventKind.Client,
        "server" => RecordedEventKind.Server,
        "hold" => RecordedEventKind.Hold,
        "decision" => RecordedEventKind.Decision,
        "truncated" => RecordedEventKind.Truncated,
        "terminal" => RecordedEventKind.Terminal,
        _ => throw new InvalidDataException($"a recorded event has the unknown kind '{name}'"),
    };
}
