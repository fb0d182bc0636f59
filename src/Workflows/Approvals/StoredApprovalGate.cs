namespace TicketGate.Workflows.Approvals;

/// <summary>
/// The approval gate served by the request store alone: a request waits until a person decides it through TicketGate's
/// API or CLI (<see cref="ApprovalDesk"/>), or the client withdraws it.
/// </summary>
public sealed class StoredApprovalGate(ApprovalRequestStore store, DecisionSignals signals, Func<Guid, string> approvalLink) : IApprovalGate
{
    public async Task<PendingApproval> SubmitAsync(ApprovalRequest request, CancellationToken cancellationToken)
    {
        var decision = signals.Register(request.Id);
        await store.InsertAsync(request, cancellationToken).ConfigureAwait(false);
        return new Pending(request.Id, approvalLink(request.Id), decision, store, signals);
    }

    private sealed class Pending(Guid requestId, string link, Task<ApprovalDecision> decision, ApprovalRequestStore store, DecisionSignals signals)
        : PendingApproval
    {
        public override Guid RequestId => requestId;
        public override string ApprovalLink => link;
        public override Task<ApprovalDecision> Decision => decision;

        public override async Task<ApprovalDecision> WithdrawAsync(string reason)
        {
            var withdrawal = new ApprovalDecision { RequestId = requestId, Status = ApprovalStatus.Withdrawn, Reason = reason };
            var (applied, current) = await store.TryDecideAsync(withdrawal, CancellationToken.None).ConfigureAwait(false);
            var standing = current.Decision ?? withdrawal;
            // Whatever stands (our withdrawal, or a decision that got there first) is what the waiting side sees.
            signals.Deliver(standing);
            return applied ? standing : await decision.ConfigureAwait(false);
        }
    }
}
