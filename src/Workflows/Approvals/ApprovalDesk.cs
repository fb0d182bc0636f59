namespace TicketGate.Workflows.Approvals;

/// <summary>A person acting on requests, as their validated token says.</summary>
public sealed record Approver(string Person, IReadOnlyList<string> Groups);

public enum DeskOutcome
{
    Decided,
    NotFound,
    Forbidden,
    AlreadyDecided,
    Invalid,
}

public sealed record DeskResult(DeskOutcome Outcome, string Message, StoredApprovalRequest? Request = null);

/// <summary>
/// Approvals and rejections made through TicketGate's own API and CLI. The rules: only members of the request's approver groups
/// decide; a requester never decides their own request; the first decision stands.
/// </summary>
public sealed class ApprovalDesk(ApprovalRequestStore store, DecisionSignals signals)
{
    public Task<DeskResult> ApproveAsync(Guid requestId, Approver approver, string? reason, CancellationToken cancellationToken) =>
        DecideAsync(requestId, approver, approve: true, reason, cancellationToken);

    public Task<DeskResult> RejectAsync(Guid requestId, Approver approver, string? reason, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(reason))
        {
            return Task.FromResult(new DeskResult(DeskOutcome.Invalid, "a rejection needs a reason: the agent sees it"));
        }
        return DecideAsync(requestId, approver, approve: false, reason, cancellationToken);
    }

    private async Task<DeskResult> DecideAsync(Guid requestId, Approver approver, bool approve, string? reason, CancellationToken cancellationToken)
    {
        var stored = await store.GetAsync(requestId, cancellationToken).ConfigureAwait(false);
        if (stored is null) return new DeskResult(DeskOutcome.NotFound, $"there is no request {requestId}");
        var request = stored.Request;
        if (string.Equals(request.Requester, approver.Person, StringComparison.Ordinal))
        {
            return new DeskResult(DeskOutcome.Forbidden, $"{approver.Person} made request {requestId} and can't decide it", stored);
        }
        if (!InAnyGroup(approver.Groups, request.ApproverGroups))
        {
            var groups = request.ApproverGroups.Count == 0 ? "(none configured)" : string.Join(", ", request.ApproverGroups);
            return new DeskResult(DeskOutcome.Forbidden,
                $"{approver.Person} is not in an approver group of connection \"{request.Connection}\" ({groups})", stored);
        }
        if (!stored.IsPending)
        {
            return new DeskResult(DeskOutcome.AlreadyDecided, $"request {requestId} is already {stored.Status.ToName()}", stored);
        }

        await store.RecordVoteAsync(requestId, approver.Person, approve, reason, cancellationToken).ConfigureAwait(false);
        var decision = new ApprovalDecision
        {
            RequestId = requestId,
            Status = approve ? ApprovalStatus.Approved : ApprovalStatus.Rejected,
            Reason = reason,
            DecidedBy = [approver.Person],
            PayloadSha256 = request.PayloadSha256,
        };
        var (applied, current) = await store.TryDecideAsync(decision, cancellationToken).ConfigureAwait(false);
        if (!applied)
        {
            return new DeskResult(DeskOutcome.AlreadyDecided, $"request {requestId} is already {current.Status.ToName()}", current);
        }
        signals.Deliver(current.Decision!);
        return new DeskResult(DeskOutcome.Decided, $"request {requestId} {current.Status.ToName()} by {approver.Person}", current);
    }

    private static bool InAnyGroup(IReadOnlyList<string> mine, IReadOnlyList<string> wanted)
    {
        foreach (var g in mine)
        {
            foreach (var w in wanted)
            {
                if (string.Equals(g, w, StringComparison.Ordinal)) return true;
            }
        }
        return false;
    }
}
