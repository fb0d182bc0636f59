using TicketGate.Workflows.Runtime;

namespace TicketGate.Workflows.Approvals;

/// <summary>A person acting on requests, as their validated token says.</summary>
public sealed record Approver(string Person, IReadOnlyList<string> Groups);

public enum DeskOutcome
{
    Decided,
    /// <summary>The vote counts, but the request's workflow waits for more approvals.</summary>
    VoteRecorded,
    NotFound,
    Forbidden,
    AlreadyDecided,
    /// <summary>This person already voted on the request; their first vote stands.</summary>
    AlreadyVoted,
    Invalid,
}

public sealed record DeskResult(DeskOutcome Outcome, string Message, StoredApprovalRequest? Request = null);

/// <summary>
/// Approvals and rejections made through TicketGate's own API and CLI. The rules: only members of the request's approver groups
/// decide; a requester never decides their own request; the first decision stands; each person votes once.
/// With a workflow runner, the desk only records the vote and resumes the request's <c>RequestApproval</c> step, which
/// decides (one rejection rejects; enough distinct approvers approve). Without one, a single vote decides directly.
/// </summary>
public sealed class ApprovalDesk(ApprovalRequestStore store, IDecisionPublisher publisher, ApprovalVoting? workflows = null)
{
    private const int ResumeAttempts = 20;

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
                $"{approver.Person} is not in an approver group of request {requestId} on connection \"{request.Connection}\" ({groups})", stored);
        }
        if (!stored.IsPending)
        {
            return new DeskResult(DeskOutcome.AlreadyDecided, $"request {requestId} is already {stored.Status.ToName()}", stored);
        }
        foreach (var vote in stored.Votes)
        {
            if (string.Equals(vote.Person, approver.Person, StringComparison.Ordinal))
            {
                return new DeskResult(DeskOutcome.AlreadyVoted,
                    $"{approver.Person} already {(vote.Approve ? "approved" : "rejected")} request {requestId}; another person has to decide the rest", stored);
            }
        }

        var votedAt = workflows?.Time.GetUtcNow() ?? default;
        await store.RecordVoteAsync(requestId, approver.Person, approve, reason, cancellationToken).ConfigureAwait(false);
        if (workflows is not null)
        {
            return await ResumeWorkflowAsync(workflows, requestId, votedAt, approver, approve, reason, cancellationToken).ConfigureAwait(false);
        }

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
        await publisher.PublishAsync(current.Decision!, cancellationToken).ConfigureAwait(false);
        return new DeskResult(DeskOutcome.Decided, $"request {requestId} {current.Status.ToName()} by {approver.Person}", current);
    }

    /// <summary>
    /// A decision <paramref name="person"/> made in a ticket system, recorded as their vote so RequestApproval counts them among the
    /// distinct approvers. There is no approver-group check: the ticket system decided who may approve there. The requester never counts.
    /// </summary>
    public async Task<DeskResult> VoteFromTicketAsync(Guid requestId, string person, bool approve, string? reason, CancellationToken cancellationToken)
    {
        var stored = await store.GetAsync(requestId, cancellationToken).ConfigureAwait(false);
        if (stored is null) return new DeskResult(DeskOutcome.NotFound, $"there is no request {requestId}");
        if (string.Equals(stored.Request.Requester, person, StringComparison.OrdinalIgnoreCase))
        {
            return new DeskResult(DeskOutcome.Forbidden, $"{person} made request {requestId} and can't decide it", stored);
        }
        if (!stored.IsPending) return new DeskResult(DeskOutcome.AlreadyDecided, $"request {requestId} is already {stored.Status.ToName()}", stored);
        var votedAt = workflows?.Time.GetUtcNow() ?? default;
        await store.RecordVoteAsync(requestId, person, approve, reason, cancellationToken).ConfigureAwait(false);
        if (workflows is null) return new DeskResult(DeskOutcome.VoteRecorded, $"{person}'s vote on request {requestId} is recorded", stored);
        return await ResumeWorkflowAsync(workflows, requestId, votedAt, new Approver(person, []), approve, reason, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Wakes the approval step so it counts the votes. The step counts in memory and saves afterwards, so a vote stored in
    /// between finds no open wait (the instance isn't saved yet) or one that run is about to use up. So this tries again until
    /// a resume ran, the request is decided, or a save after this vote shows the step isn't waiting for votes (it counts this
    /// one when it starts). A workflow that never asks for votes is given up on after a few seconds; the vote stays recorded.
    /// </summary>
    private async Task<DeskResult> ResumeWorkflowAsync(ApprovalVoting voting, Guid requestId, DateTimeOffset votedAt, Approver approver,
        bool approve, string? reason, CancellationToken cancellationToken)
    {
        var input = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["person"] = approver.Person, ["vote"] = approve ? "approve" : "reject", ["reason"] = reason,
        };
        var instanceId = ApprovalWorkflowInput.InstanceIdOf(requestId);
        for (var attempt = 1; attempt <= ResumeAttempts; attempt++)
        {
            var results = await voting.Runner.ResumeStimulusAsync(ApprovalStimuli.Vote, ApprovalStimuli.VotePayload(requestId), input, cancellationToken)
                .ConfigureAwait(false);
            if (Any(results, ResumeOutcome.Resumed)) break;
            if (results.Count == 0)
            {
                if (await store.GetAsync(requestId, cancellationToken).ConfigureAwait(false) is not { IsPending: true }) break;
                var instance = await voting.Instances.FindAsync(instanceId, cancellationToken).ConfigureAwait(false);
                if (instance is not null && !WaitsForVotes(instance) && (instance.IsFinished || instance.UpdatedAt > votedAt)) break;
                if (instance is not null && WaitsForVotes(instance)) continue;
            }
            await Task.Delay(TimeSpan.FromMilliseconds(10 * attempt), cancellationToken).ConfigureAwait(false);
        }
        var current = await store.GetAsync(requestId, cancellationToken).ConfigureAwait(false)
            ?? throw new KeyNotFoundException($"Request {requestId} disappeared while it was being decided.");
        if (current.IsPending)
        {
            return new DeskResult(DeskOutcome.VoteRecorded,
                $"{approver.Person}'s {(approve ? "approval" : "rejection")} of request {requestId} is recorded; it waits for more approvals", current);
        }
        var by = current.DecidedBy.Count > 0 ? $" by {string.Join(", ", current.DecidedBy)}" : "";
        return new DeskResult(DeskOutcome.Decided, $"request {requestId} {current.Status.ToName()}{by}", current);
    }

    private static bool WaitsForVotes(WorkflowInstance instance)
    {
        foreach (var bookmark in instance.Bookmarks)
        {
            if (bookmark.Name == ApprovalStimuli.Vote) return true;
        }
        return false;
    }

    private static bool Any(IReadOnlyList<WorkflowResumeResult> results, ResumeOutcome outcome)
    {
        foreach (var result in results)
        {
            if (result.Outcome == outcome) return true;
        }
        return false;
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

/// <summary>What the desk needs to hand votes to the approval workflows instead of deciding itself.</summary>
public sealed record ApprovalVoting(WorkflowRunner Runner, IWorkflowInstanceStore Instances, TimeProvider Time);
