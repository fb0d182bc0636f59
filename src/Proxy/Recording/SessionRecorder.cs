using System.Buffers;
using System.Diagnostics;
using System.Text.Json;
using TicketGate.Workflows.Approvals;

namespace TicketGate.Proxy.Recording;

/// <summary>
/// Records one session: the agent's bytes per read, what it was sent per upstream read (after masking), and holds and decisions,
/// each with its offset from the session's start. Events are handed to the <see cref="RecordingLog"/>, which writes them in the
/// background. Past the per-session cap the protocol bytes are only counted; holds and decisions are always kept.
/// The client pump calls <see cref="Client"/>, the server pump <see cref="Server(ReadOnlySpan{byte})"/> and
/// <see cref="EndServerBatch"/>; sequence numbers are taken atomically, so the two interleave in the order things happened.
/// </summary>
internal sealed class SessionRecorder
{
    private readonly RecordingLog _log;
    private readonly long _started = Stopwatch.GetTimestamp();
    private ArrayBufferWriter<byte> _server = new(4096);
    private readonly long _maxBytes;
    private int _sequence;
    private long _recorded;
    private long _omitted;
    private int _truncated;

    public SessionRecorder(RecordingLog log, RecordedSession session, long maxBytes)
    {
        _log = log;
        Session = session;
        _maxBytes = maxBytes;
        log.TryStart(session);
    }

    public RecordedSession Session { get; }

    public void Client(in ReadOnlySequence<byte> bytes)
    {
        if (bytes.IsEmpty || !Reserve(bytes.Length)) return;
        Append(RecordedEventKind.Client, bytes.ToArray());
    }

    public void Server(in ReadOnlySequence<byte> bytes)
    {
        foreach (var segment in bytes) Server(segment.Span);
    }

    public void Server(ReadOnlySpan<byte> bytes)
    {
        if (_truncated != 0)
        {
            Interlocked.Add(ref _omitted, bytes.Length);
            return;
        }
        _server.Write(bytes);
    }

    /// <summary>One upstream read has been relayed: what the agent was sent for it becomes one event.</summary>
    public void EndServerBatch()
    {
        if (_server.WrittenCount == 0) return;
        if (Reserve(_server.WrittenCount)) Append(RecordedEventKind.Server, _server.WrittenSpan.ToArray());
        // A large batch's buffer is let go rather than pinned for the rest of the session.
        if (_server.Capacity > 1024 * 1024) _server = new ArrayBufferWriter<byte>(4096);
        else _server.ResetWrittenCount();
    }

    public void Hold(ApprovalRequest request) => Append(RecordedEventKind.Hold, JsonSerializer.SerializeToUtf8Bytes(new HoldNote(
        request.Id, request.Tier.ToName(), request.Rule, request.CommandClass, request.Command), RecordingJson.Options));

    public void Decision(Guid? requestId, string outcome, IReadOnlyList<string> decidedBy, string? reason) =>
        Append(RecordedEventKind.Decision, JsonSerializer.SerializeToUtf8Bytes(new DecisionNote(requestId, outcome, decidedBy, reason), RecordingJson.Options));

    /// <summary>An SSH session's command and terminal size at its start, and each resize.</summary>
    public void Terminal(TerminalNote note) => Append(RecordedEventKind.Terminal, JsonSerializer.SerializeToUtf8Bytes(note, RecordingJson.Options));

    public void End() => _log.TryEnd(Session with
    {
        EndedAt = DateTimeOffset.UtcNow,
        RecordedBytes = Interlocked.Read(ref _recorded),
        OmittedBytes = Interlocked.Read(ref _omitted),
        Truncated = _truncated != 0,
    });

    private bool Reserve(long bytes)
    {
        if (Volatile.Read(ref _truncated) == 0)
        {
            if (Interlocked.Add(ref _recorded, bytes) <= _maxBytes) return true;
            Interlocked.Add(ref _recorded, -bytes);
            if (Interlocked.Exchange(ref _truncated, 1) == 0)
            {
                Append(RecordedEventKind.Truncated, JsonSerializer.SerializeToUtf8Bytes(new TruncationNote(_maxBytes), RecordingJson.Options));
            }
        }
        Interlocked.Add(ref _omitted, bytes);
        return false;
    }

    private void Append(RecordedEventKind kind, byte[] payload)
    {
        var sequence = Interlocked.Increment(ref _sequence);
        var offset = (long)Stopwatch.GetElapsedTime(_started).TotalMicroseconds;
        if (!_log.TryAppend(new RecordedEvent(Session.Id, sequence, offset, kind, payload)))
        {
            // The store is behind: the event is lost, and the session says it is incomplete.
            Interlocked.Exchange(ref _truncated, 1);
            Interlocked.Add(ref _omitted, payload.Length);
        }
    }
}

internal sealed record HoldNote(Guid RequestId, string Tier, string Rule, string StatementClass, string Statement);

internal sealed record DecisionNote(Guid? RequestId, string Outcome, IReadOnlyList<string> DecidedBy, string? Reason);

internal sealed record TruncationNote(long MaxBytesPerSession);

internal static class RecordingJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
}
