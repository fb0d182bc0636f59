using TicketGate.Workflows.Approvals;

namespace TicketGate.Proxy.Audit;

/// <summary>What became of a statement. Stored by its lower-case name (<see cref="AuditDecisionNames.ToName"/>).</summary>
public enum AuditDecision
{
    Allowed,
    Approved,
    Rejected,
    Blocked,
    Withdrawn,
    Expired,
    /// <summary>The gateway couldn't carry it out (the upstream or TicketGate failed).</summary>
    Failed,
    /// <summary>Not a statement: the log's own note that entries were lost (stored as "audit_gap", see <see cref="AuditEntry.Gap"/>).</summary>
    AuditGap,
}

public static class AuditDecisionNames
{
    public static string ToName(this AuditDecision decision) => decision switch
    {
        AuditDecision.Allowed => "allowed",
        AuditDecision.Approved => "approved",
        AuditDecision.Rejected => "rejected",
        AuditDecision.Blocked => "blocked",
        AuditDecision.Withdrawn => "withdrawn",
        AuditDecision.Expired => "expired",
        AuditDecision.Failed => "failed",
        AuditDecision.AuditGap => "audit_gap",
        _ => throw new ArgumentOutOfRangeException(nameof(decision)),
    };

    public static bool TryParse(string? text, out AuditDecision decision)
    {
        foreach (var candidate in Enum.GetValues<AuditDecision>())
        {
            if (string.Equals(candidate.ToName(), text, StringComparison.Ordinal))
            {
                decision = candidate;
                return true;
            }
        }
        decision = default;
        return false;
    }
}

/// <summary>Entries the audit log lost (its queue was full while the store was down or slow), and when.</summary>
public sealed record AuditGap(long LostEntries, DateTimeOffset From, DateTimeOffset To);

/// <summary>One statement as the audit log records it. Built once per statement on the data path, so it is plain data.</summary>
public sealed record AuditEntry
{
    public required DateTimeOffset At { get; init; }
    public string? SessionId { get; init; }
    /// <summary>"postgres", "kubernetes" or "ssh".</summary>
    public required string Protocol { get; init; }
    public required string Connection { get; init; }
    /// <summary>The token's subject.</summary>
    public required string Subject { get; init; }
    public IReadOnlyList<string> Groups { get; init; } = [];
    public required string Statement { get; init; }
    /// <summary>The statement's primary class name ("read", "write"…).</summary>
    public string? StatementClass { get; init; }
    public RiskTier? Tier { get; init; }
    public string? Rule { get; init; }
    public required AuditDecision Decision { get; init; }
    public Guid? RequestId { get; init; }
    public IReadOnlyList<string> DecidedBy { get; init; } = [];
    /// <summary>From receiving the statement to its completion, in microseconds.</summary>
    public long DurationUs { get; init; }
    /// <summary>Time spent held for a decision, in microseconds; null when it wasn't held.</summary>
    public long? HoldUs { get; init; }
    /// <summary>From the decision to the held bytes going upstream, in microseconds; null unless an approved hold was released.</summary>
    public long? ReleaseUs { get; init; }
    public long? RowsAffected { get; init; }
    public string? CommandTag { get; init; }
    /// <summary>The upstream's error code when it answered with an error.</summary>
    public string? SqlState { get; init; }
    /// <summary>Set only on <see cref="AuditDecision.AuditGap"/> rows.</summary>
    public AuditGap? Gap { get; init; }

    /// <summary>The row that tells readers entries are missing.</summary>
    public static AuditEntry ForGap(AuditGap gap, DateTimeOffset at) => new()
    {
        At = at,
        Protocol = "ticketgate",
        Connection = "",
        Subject = "ticketgate",
        Statement = $"{gap.LostEntries} audit entries were dropped between {gap.From:O} and {gap.To:O} because the audit queue was full",
        Decision = AuditDecision.AuditGap,
        Gap = gap,
    };
}

/// <summary>An entry as stored, with its position in the log.</summary>
public sealed record AuditRecord(long Id, AuditEntry Entry);

/// <summary>The audit store can't take an entry that must be durable; the gateway must not act on the statement.</summary>
public sealed class AuditStoreUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
