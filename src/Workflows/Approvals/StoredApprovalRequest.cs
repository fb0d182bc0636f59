namespace TicketGate.Workflows.Approvals;

/// <summary>An approval request as the store holds it: what was asked, where it stands, and who voted.</summary>
public sealed record StoredApprovalRequest
{
    public required ApprovalRequest Request { get; init; }
    public required ApprovalStatus Status { get; init; }
    /// <summary>The TicketGate instance whose session holds the command (see <see cref="ApprovalRequestStore"/>).</summary>
    public required string Holder { get; init; }
    public DateTimeOffset? DecidedAt { get; init; }
    public IReadOnlyList<string> DecidedBy { get; init; } = [];
    public string? Reason { get; init; }
    public bool ByFallback { get; init; }
    public string? TicketKey { get; init; }
    /// <summary>Votes in the order they were cast.</summary>
    public IReadOnlyList<ApprovalVote> Votes { get; init; } = [];

    public bool IsPending => Status == ApprovalStatus.Pending;

    /// <summary>The decision that stands, or null while the request is pending.</summary>
    public ApprovalDecision? Decision => IsPending ? null : new ApprovalDecision
    {
        RequestId = Request.Id,
        Status = Status,
        Reason = Reason,
        DecidedBy = DecidedBy,
        ByFallback = ByFallback,
        TicketKey = TicketKey,
        DecidedAt = DecidedAt ?? Request.CreatedAt,
        PayloadSha256 = Request.PayloadSha256,
    };
}

/// <summary>One person's vote on a request.</summary>
public sealed record ApprovalVote(string Person, bool Approve, string? Reason, DateTimeOffset At);
