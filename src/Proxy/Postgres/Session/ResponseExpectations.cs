using System.Collections.Concurrent;
using TicketGate.Proxy.Classification;
using TicketGate.Workflows.Approvals;

namespace TicketGate.Proxy.Postgres.Session;

/// <summary>How a statement that reached (or was kept from) the upstream was decided, for the audit log.</summary>
internal sealed class StatementTrace
{
    public required string Text { get; init; }
    public required StatementClass Class { get; init; }
    public required RiskTier Tier { get; init; }
    public required string Rule { get; init; }
    /// <summary>The tables the statement names (for masking: COPY output of a table with masked columns).</summary>
    public IReadOnlyList<string> Tables { get; init; } = [];
    public long ReceivedTimestamp { get; init; }
    public Guid? RequestId { get; set; }
    public IReadOnlyList<string> DecidedBy { get; set; } = [];
    public long HoldTicks { get; set; }
    /// <summary>Decision → release, in ticks; 0 when not released after a hold.</summary>
    public long ReleaseTicks { get; set; }
    public bool Approved { get; set; }
}

/// <summary>
/// What the client pump has sent upstream and still awaits an answer for, in order: one entry per statement that yields a
/// completion (CommandComplete, EmptyQueryResponse, PortalSuspended or ErrorResponse) and one per Sync or Query (ReadyForQuery).
/// Entries TicketGate injected itself are swallowed: their answers never reach the client.
/// </summary>
internal sealed class ResponseExpectations(PreparedStatements prepared)
{
    private readonly ConcurrentQueue<Expectation> _queue = new();

    public void ExpectStatement(StatementTrace trace) => _queue.Enqueue(new Expectation(trace, null, swallow: false));

    public void ExpectReady()
    {
        // Each ReadyForQuery also settles the prepared-statement changes sent before it.
        prepared.EndGroup();
        _queue.Enqueue(Expectation.Ready);
    }

    /// <summary>Expects an injected exchange whose every answer is dropped; completes with the transaction status it ends in.</summary>
    public Task<byte> ExpectSwallowed(bool wholeGroup)
    {
        var done = new TaskCompletionSource<byte>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (wholeGroup) _queue.Enqueue(Expectation.SwallowedStatement);
        prepared.EndGroup();
        _queue.Enqueue(new Expectation(null, done, swallow: true));
        return done.Task;
    }

    public bool TryPeek(out Expectation expectation) => _queue.TryPeek(out expectation!);

    public bool TryDequeue(out Expectation expectation) => _queue.TryDequeue(out expectation!);

    public bool IsEmpty => _queue.IsEmpty;

    internal sealed class Expectation(StatementTrace? trace, TaskCompletionSource<byte>? done, bool swallow)
    {
        public static readonly Expectation Ready = new(null, null, swallow: false);
        public static readonly Expectation SwallowedStatement = new(null, null, swallow: true) { IsStatement = true };

        public StatementTrace? Trace { get; } = trace;
        public TaskCompletionSource<byte>? Done { get; } = done;
        public bool Swallow { get; } = swallow;
        public bool IsStatement { get; private init; } = trace is not null;
    }
}
