namespace TicketGate.Proxy.Recording;

/// <summary>
/// One line of a session's transcript, decoded from its recording. Kind is query (Text, Parameters), result (Columns, Rows, Tag),
/// error or notice (Severity, SqlState, Text, Detail, Hint), notification (Text), hold (RequestId, Tier, Rule, Text),
/// decision (RequestId, Outcome, DecidedBy, Text as the reason), or truncated; for Kubernetes exec sessions stdin, stdout, stderr,
/// status and resize (Text).
/// </summary>
public sealed record TranscriptEntry(long OffsetUs, string Kind)
{
    public string? Text { get; init; }
    public IReadOnlyList<string?>? Parameters { get; init; }
    public IReadOnlyList<string>? Columns { get; init; }
    public IReadOnlyList<IReadOnlyList<string?>>? Rows { get; init; }
    public string? Tag { get; init; }
    public string? Severity { get; init; }
    public string? SqlState { get; init; }
    public string? Detail { get; init; }
    public string? Hint { get; init; }
    public Guid? RequestId { get; init; }
    public string? Tier { get; init; }
    public string? Rule { get; init; }
    public string? Outcome { get; init; }
    public IReadOnlyList<string>? DecidedBy { get; init; }
    /// <summary>A terminal's size (SSH sessions' terminal entries).</summary>
    public int? Width { get; init; }
    public int? Height { get; init; }
}
