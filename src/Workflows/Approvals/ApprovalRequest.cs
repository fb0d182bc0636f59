namespace TicketGate.Workflows.Approvals;

/// <summary>A command held by a proxy, waiting for a decision. Protocol-neutral: SQL, Kubernetes and SSH all use it.</summary>
public sealed record ApprovalRequest
{
    public required Guid Id { get; init; }
    /// <summary>"postgres", "kubernetes" or "ssh".</summary>
    public required string Protocol { get; init; }
    public required string Connection { get; init; }
    public IReadOnlyDictionary<string, string> ConnectionTags { get; init; } = new Dictionary<string, string>();
    public required string Requester { get; init; }
    public IReadOnlyList<string> RequesterGroups { get; init; } = [];
    /// <summary>The command as an approver reads it (SQL text, request line, shell command).</summary>
    public required string Command { get; init; }
    /// <summary>Bound parameters in text form (null for SQL NULL), when the protocol has them.</summary>
    public IReadOnlyList<string?> Parameters { get; init; } = [];
    public required string CommandClass { get; init; }
    public required RiskTier Tier { get; init; }
    public required string Rule { get; init; }
    /// <summary>Lower-case hex SHA-256 of exactly the bytes that would be forwarded on approval.</summary>
    public required string PayloadSha256 { get; init; }
    /// <summary>Groups whose members may decide this request.</summary>
    public IReadOnlyList<string> ApproverGroups { get; init; } = [];
    public string? SessionId { get; init; }
    public DateTimeOffset CreatedAt { get; init; } = DateTimeOffset.UtcNow;
    public DateTimeOffset? Deadline { get; init; }
}
