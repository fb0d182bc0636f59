namespace TicketGate.Integrations.Tickets;

/// <summary>Put the ticket in front of more people: a comment, plus a group and/or an assignee.</summary>
public sealed record TicketEscalation(string Comment, string? Group = null, string? Assignee = null);

public enum TicketCloseKind
{
    /// <summary>The request was decided (approved or rejected) and the command ran or was discarded.</summary>
    Done,
    /// <summary>The request expired or was withdrawn before anyone decided.</summary>
    Cancelled,
}

/// <summary>What the ticket is told when TicketGate is finished with it.</summary>
public sealed record TicketClosure
{
    public required TicketCloseKind Kind { get; init; }
    /// <summary>The outcome in words: approved, rejected, expired, withdrawn.</summary>
    public required string Outcome { get; init; }
    public IReadOnlyList<string> DecidedBy { get; init; } = [];
    public bool ByFallback { get; init; }
    /// <summary>TicketGate's record of the session (audit or recording page).</summary>
    public Uri? SessionRecord { get; init; }

    public string Describe()
    {
        var who = DecidedBy.Count == 0 ? "nobody" : string.Join(", ", DecidedBy);
        var how = ByFallback ? " by the fallback policy" : "";
        var record = SessionRecord is null ? "" : $" Session record: {SessionRecord}";
        return $"TicketGate outcome: {Outcome}{how}; decided by {who}.{record}";
    }
}
