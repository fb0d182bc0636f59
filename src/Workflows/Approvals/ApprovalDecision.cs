namespace TicketGate.Workflows.Approvals;

public enum ApprovalStatus
{
    Pending,
    Approved,
    Rejected,
    Withdrawn,
    Expired,
}

public static class ApprovalStatusNames
{
    public static string ToName(this ApprovalStatus status) => status switch
    {
        ApprovalStatus.Pending => "pending",
        ApprovalStatus.Approved => "approved",
        ApprovalStatus.Rejected => "rejected",
        ApprovalStatus.Withdrawn => "withdrawn",
        ApprovalStatus.Expired => "expired",
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };

    public static bool TryParse(string? text, out ApprovalStatus status)
    {
        foreach (var candidate in Enum.GetValues<ApprovalStatus>())
        {
            if (string.Equals(candidate.ToName(), text, StringComparison.OrdinalIgnoreCase))
            {
                status = candidate;
                return true;
            }
        }
        status = default;
        return false;
    }
}

/// <summary>The final word on a held command. Only <see cref="ApprovalStatus.Approved"/> releases it.</summary>
public sealed record ApprovalDecision
{
    public required Guid RequestId { get; init; }
    public required ApprovalStatus Status { get; init; }
    public string? Reason { get; init; }
    /// <summary>The people who decided (approvers, or the one who rejected).</summary>
    public IReadOnlyList<string> DecidedBy { get; init; } = [];
    public bool ByFallback { get; init; }
    public string? TicketKey { get; init; }
    public DateTimeOffset DecidedAt { get; init; } = DateTimeOffset.UtcNow;
    /// <summary>The hash of the held bytes the decision was made for; the proxy releases only bytes with this hash.</summary>
    public string? PayloadSha256 { get; init; }

    public bool Releases => Status == ApprovalStatus.Approved;
}
