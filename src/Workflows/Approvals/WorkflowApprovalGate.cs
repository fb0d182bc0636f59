using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TicketGate.Workflows.Runtime;

namespace TicketGate.Workflows.Approvals;

/// <summary>
/// The approval gate served by workflows: each held command is stored, then an instance of the definition bound to its
/// connection starts with the command as input (<see cref="ApprovalWorkflowInput"/>), and the instance decides (Allow or
/// Deny publish the decision). The instance id is the request id, so the API's votes and a withdrawal find it directly.
/// When the workflow can't start, the command is denied: a held command is never run without a decision.
/// </summary>
public sealed partial class WorkflowApprovalGate(
    ApprovalRequestStore store,
    DecisionSignals signals,
    IDecisionPublisher publisher,
    WorkflowRunner runner,
    ApprovalWorkflowBindings bindings,
    Func<Guid, string> approvalLink,
    ILogger<WorkflowApprovalGate>? logger = null) : IApprovalGate
{
    private readonly ILogger log = logger ?? NullLogger<WorkflowApprovalGate>.Instance;

    public async Task<PendingApproval> SubmitAsync(ApprovalRequest request, CancellationToken cancellationToken)
    {
        var decision = signals.Register(request.Id);
        await store.InsertAsync(request, cancellationToken).ConfigureAwait(false);
        var binding = bindings.For(request.Connection);
        var instanceId = ApprovalWorkflowInput.InstanceIdOf(request.Id);
        try
        {
            // Runs until the instance waits (approvals, timers) or ends; a critical command is denied before this returns.
            await runner.StartAsync(binding.DefinitionId!, new WorkflowStartRequest
            {
                InstanceId = instanceId,
                CorrelationId = request.Id.ToString(),
                Name = $"{binding.DefinitionId} for request {request.Id}",
                Input = ApprovalWorkflowInput.From(request, binding),
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogStartFailed(log, e, request.Id, binding.DefinitionId!);
            await DenyAsync(request.Id,
                $"TicketGate could not start the approval workflow '{binding.DefinitionId}' for it ({e.Message}); an administrator must fix the workflow",
                cancellationToken).ConfigureAwait(false);
        }
        return new Pending(this, request.Id, instanceId, approvalLink(request.Id), decision);
    }

    private async Task DenyAsync(Guid requestId, string reason, CancellationToken cancellationToken)
    {
        var (applied, current) = await store.TryDecideAsync(
            new ApprovalDecision { RequestId = requestId, Status = ApprovalStatus.Rejected, Reason = reason }, cancellationToken).ConfigureAwait(false);
        if (applied) await publisher.PublishAsync(current.Decision!, cancellationToken).ConfigureAwait(false);
    }

    private sealed class Pending(WorkflowApprovalGate gate, Guid requestId, string instanceId, string link, Task<ApprovalDecision> decision)
        : PendingApproval
    {
        public override Guid RequestId => requestId;
        public override string ApprovalLink => link;
        public override Task<ApprovalDecision> Decision => decision;

        public override Task<ApprovalDecision> WithdrawAsync(string reason) => gate.WithdrawAsync(requestId, instanceId, reason, decision);
    }

    private async Task<ApprovalDecision> WithdrawAsync(Guid requestId, string instanceId, string reason, Task<ApprovalDecision> decision)
    {
        var withdrawal = new ApprovalDecision { RequestId = requestId, Status = ApprovalStatus.Withdrawn, Reason = reason };
        var (applied, current) = await store.TryDecideAsync(withdrawal, CancellationToken.None).ConfigureAwait(false);
        var standing = current.Decision ?? withdrawal;
        signals.Deliver(standing);
        if (!applied) return await decision.ConfigureAwait(false);
        // Nobody waits any more: its timers and approval waits go, so no escalation fires for a command that's gone. The client
        // hears of the withdrawal first; cancelling the instance happens after, off its path (a host that stops meanwhile leaves
        // the instance to the next start-up, which cancels instances of requests no longer pending).
        _ = Task.Run(() => CancelInstanceAsync(requestId, instanceId));
        return standing;
    }

    private async Task CancelInstanceAsync(Guid requestId, string instanceId)
    {
        try
        {
            await runner.CancelAsync(instanceId, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            LogCancelFailed(log, e, requestId);
        }
    }

    [LoggerMessage(310, LogLevel.Error, "Approval workflow {DefinitionId} could not start for request {RequestId}; the command is denied")]
    private static partial void LogStartFailed(ILogger logger, Exception exception, Guid requestId, string definitionId);

    [LoggerMessage(311, LogLevel.Warning, "The workflow instance of withdrawn request {RequestId} could not be cancelled; its timers fire into a decided request")]
    private static partial void LogCancelFailed(ILogger logger, Exception exception, Guid requestId);
}
