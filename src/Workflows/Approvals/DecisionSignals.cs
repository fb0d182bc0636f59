using System.Collections.Concurrent;

namespace TicketGate.Workflows.Approvals;

/// <summary>
/// Where a held command waits for its decision inside this process: one completion per request, completed once by whoever
/// decides it (an approver through the API, a withdrawal, later the workflow runtime).
/// </summary>
public sealed class DecisionSignals
{
    private readonly ConcurrentDictionary<Guid, TaskCompletionSource<ApprovalDecision>> _waiting = new();

    public Task<ApprovalDecision> Register(Guid requestId) =>
        _waiting.GetOrAdd(requestId, static _ => new TaskCompletionSource<ApprovalDecision>(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    /// <summary>Delivers a decision to the command waiting for it, if it waits in this process. Later deliveries change nothing.</summary>
    public bool Deliver(ApprovalDecision decision) =>
        _waiting.TryRemove(decision.RequestId, out var waiting) && waiting.TrySetResult(decision);

    public int WaitingCount => _waiting.Count;

    public bool IsWaiting(Guid requestId) => _waiting.ContainsKey(requestId);

    /// <summary>The requests a command waits for in this process right now.</summary>
    public IReadOnlyList<Guid> WaitingRequests() => [.. _waiting.Keys];
}
