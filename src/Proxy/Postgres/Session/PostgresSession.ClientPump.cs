using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Pipelines;
using TicketGate.Proxy.Classification;
using TicketGate.Proxy.Policy;
using TicketGate.Proxy.Postgres.Messages;
using TicketGate.Workflows.Approvals;

namespace TicketGate.Proxy.Postgres.Session;

internal sealed partial class PostgresSession
{
    private enum ClientAction
    {
        NeedMoreData,
        Hold,
        Terminate,
        ProtocolViolation,
    }

    // The current extended-protocol group (messages since the last Sync): its statements awaiting enqueue, and whether any is gated.
    private readonly List<StatementTrace> _groupTraces = [];
    private bool _groupGated;
    private bool _groupPartiallyForwarded;
    private PolicyVerdict _groupVerdict;
    private readonly List<PreparedStatement> _groupGatedStatements = [];
    // After a denial decided at a Flush, the client's messages up to its Sync are dropped (as the server itself would do after an error).
    private bool _discardUntilSync;
    // Bytes still to pass through of a CopyData message too large to buffer whole.
    private long _copyDataRemaining;
    private byte[]? _scratch;
    private volatile bool _terminating;
    // Prepared statements of this session by the (cached, shared) classification of their text: a repeated Parse allocates nothing.
    private readonly Dictionary<SqlClassification, PreparedStatement> _preparedByClassification = new(ReferenceEqualityComparer.Instance);

    private async Task RunClientPumpAsync()
    {
        var reader = _client.Input;
        var upstream = _upstream.Transport.Output;
        while (!_stopping.IsCancellationRequested)
        {
            // TryRead first: after a hold, pipelined messages may already wait in the pipe though we examined them before.
            if (!reader.TryRead(out var result)) result = await reader.ReadAsync(_stopping.Token).ConfigureAwait(false);
            if (result.IsCanceled) return;
            var buffer = result.Buffer;
            var action = Scan(ref buffer, out var held, out var violation);
            _recording?.Client(result.Buffer.Slice(0, buffer.Start));
            reader.AdvanceTo(buffer.Start, result.Buffer.End);
            if (upstream.UnflushedBytes > 0)
            {
                var flush = await upstream.FlushAsync(_stopping.Token).ConfigureAwait(false);
                if (flush.IsCompleted) return;
            }

            switch (action)
            {
                case ClientAction.Hold:
                    await HoldAsync(held!).ConfigureAwait(false);
                    if (_stopping.IsCancellationRequested) return;
                    continue;
                case ClientAction.Terminate:
                    return;
                case ClientAction.ProtocolViolation:
                    Log.ProtocolViolation(_logger, Id, violation);
                    await TryWriteFatalAsync(new ServerNotice("FATAL", SqlState.ProtocolViolation, violation)).ConfigureAwait(false);
                    return;
            }
            if (result.IsCompleted) return;
        }
    }

    /// <summary>
    /// Walks the complete messages in <paramref name="buffer"/>, copying what may pass to the upstream's output, and stops at the first
    /// message that needs asynchronous work. On return <paramref name="buffer"/> starts at the first byte not yet handled.
    /// </summary>
    private ClientAction Scan(ref ReadOnlySequence<byte> buffer, out HeldCommand? held, out string violation)
    {
        held = null;
        violation = "";
        var output = _upstream.Transport.Output;
        var maxMessage = _gateway.Options.Postgres.MaxMessageBytes;
        var source = buffer;
        var cursor = buffer;
        var forwardFrom = buffer.Start;
        var groupStart = buffer.Start;
        var groupHasMessages = false;

        while (true)
        {
            if (_copyDataRemaining > 0)
            {
                var take = Math.Min(_copyDataRemaining, cursor.Length);
                _copyDataRemaining -= take;
                cursor = cursor.Slice(take);
                if (_copyDataRemaining > 0) break;
                continue;
            }
            if (!MessageFraming.TryReadHeader(cursor, out var code, out var total)) break;
            if (total < 5)
            {
                violation = $"invalid length in a message of type '{Printable(code)}'";
                return ClientAction.ProtocolViolation;
            }
            var streamable = code == FrontendCode.CopyData && !_groupGated;
            if (total > maxMessage && !streamable)
            {
                violation = $"message of type '{Printable(code)}' is {total} bytes, over TicketGate's limit of {maxMessage} bytes";
                return ClientAction.ProtocolViolation;
            }
            if (cursor.Length < total)
            {
                if (!streamable) break;
                // Stream large COPY data straight through instead of buffering it whole.
                _copyDataRemaining = total - cursor.Length;
                cursor = cursor.Slice(cursor.Length);
                break;
            }

            var message = cursor.Slice(0, total);
            var next = message.End;
            if (_discardUntilSync)
            {
                Forward(output, source, ref forwardFrom, message.Start);
                if (code == FrontendCode.Sync)
                {
                    _discardUntilSync = false;
                    _expectations.ExpectReady();
                }
                else
                {
                    forwardFrom = next;
                }
                groupStart = forwardFrom;
                cursor = cursor.Slice(next);
                continue;
            }

            switch (code)
            {
                case FrontendCode.Query:
                {
                    if (_groupGated)
                    {
                        // The server runs an Execute as soon as it arrives; a Query behind an unsynced gated group must not carry it along.
                        held = HoldOpenGroup(output, source, ref forwardFrom, ref buffer, groupStart, message.Start);
                        return ClientAction.Hold;
                    }
                    Forward(output, source, ref forwardFrom, message.Start);
                    EnqueueGroupTraces();
                    var body = MessageFraming.Contiguous(message.Slice(5), ref _scratch);
                    var sql = body.Length > 0 && body[^1] == 0 ? body[..^1] : body;
                    var classification = _gateway.ClassificationCache.ClassifyQuery(sql);
                    if (PreparedStatements.ChangesNames(classification)) _prepared.Forget();
                    _prepared.Sent();
                    var verdict = _gateway.Policy.EvaluateMessage(Connection, IdentityGroups, classification);
                    if (verdict.Tier == RiskTier.Low)
                    {
                        var now = Stopwatch.GetTimestamp();
                        foreach (var statement in classification.Statements)
                        {
                            _expectations.ExpectStatement(Trace(statement, _gateway.Policy.Evaluate(Connection, IdentityGroups, statement), now));
                        }
                        _expectations.ExpectReady();
                        groupStart = next;
                        break;
                    }
                    held = HeldCommand.SimpleQuery(message.ToArray(), classification, verdict, this);
                    buffer = buffer.Slice(next);
                    return ClientAction.Hold;
                }
                case FrontendCode.Parse:
                {
                    groupHasMessages = true;
                    var body = MessageFraming.Contiguous(message.Slice(5), ref _scratch);
                    var afterName = MessageFraming.ReadCString(body, 0, out var name);
                    if (afterName < 0 || MessageFraming.ReadCString(body, afterName, out var sqlText) < 0)
                    {
                        violation = "malformed Parse message";
                        return ClientAction.ProtocolViolation;
                    }
                    _prepared.Parse(name, Prepare(sqlText));
                    break;
                }
                case FrontendCode.Bind:
                {
                    groupHasMessages = true;
                    var body = MessageFraming.Contiguous(message.Slice(5), ref _scratch);
                    var afterPortal = MessageFraming.ReadCString(body, 0, out var portal);
                    if (afterPortal < 0 || MessageFraming.ReadCString(body, afterPortal, out var statementName) < 0)
                    {
                        violation = "malformed Bind message";
                        return ClientAction.ProtocolViolation;
                    }
                    _prepared.Bind(portal, statementName);
                    if (_masker is not null) NoteBind(portal, body, MessageFraming.ReadCString(body, afterPortal, out _));
                    break;
                }
                case FrontendCode.Execute:
                {
                    groupHasMessages = true;
                    var body = MessageFraming.Contiguous(message.Slice(5), ref _scratch);
                    if (MessageFraming.ReadCString(body, 0, out var portal) < 0)
                    {
                        violation = "malformed Execute message";
                        return ClientAction.ProtocolViolation;
                    }
                    var statement = _prepared.FindPortal(portal) ?? UnknownPortal;
                    if (statement.RenamesPrepared) _prepared.Forget();
                    if (_masker is not null) NoteExecute(portal, statement);
                    var verdict = statement.Verdict;
                    _groupTraces.Add(new StatementTrace
                    {
                        Text = statement.Sql,
                        Class = verdict.Class,
                        Tier = verdict.Tier,
                        Rule = verdict.Rule,
                        ReceivedTimestamp = Stopwatch.GetTimestamp(),
                    });
                    if (verdict.Tier != RiskTier.Low)
                    {
                        if (!_groupGated || verdict.Tier > _groupVerdict.Tier) _groupVerdict = verdict;
                        _groupGated = true;
                        _groupGatedStatements.Add(statement);
                    }
                    break;
                }
                case FrontendCode.Close:
                {
                    groupHasMessages = true;
                    var body = MessageFraming.Contiguous(message.Slice(5), ref _scratch);
                    if (body.Length < 2 || MessageFraming.ReadCString(body, 1, out var closeName) < 0)
                    {
                        violation = "malformed Close message";
                        return ClientAction.ProtocolViolation;
                    }
                    _prepared.Close(statement: body[0] == (byte)'S', closeName);
                    break;
                }
                case FrontendCode.Describe:
                    groupHasMessages = true;
                    if (_masker is not null) NoteDescribe(MessageFraming.Contiguous(message.Slice(5), ref _scratch));
                    break;
                case FrontendCode.Flush:
                    if (_groupGated)
                    {
                        Forward(output, source, ref forwardFrom, groupStart);
                        held = TakeGatedGroup(buffer.Slice(groupStart, next).ToArray(), endsWithSync: false);
                        buffer = buffer.Slice(next);
                        return ClientAction.Hold;
                    }
                    break;
                case FrontendCode.Sync:
                    if (_groupGated)
                    {
                        Forward(output, source, ref forwardFrom, groupStart);
                        held = TakeGatedGroup(buffer.Slice(groupStart, next).ToArray(), endsWithSync: true);
                        buffer = buffer.Slice(next);
                        return ClientAction.Hold;
                    }
                    EnqueueGroupTraces();
                    _prepared.Sent();
                    _expectations.ExpectReady();
                    _groupPartiallyForwarded = false;
                    groupHasMessages = false;
                    groupStart = next;
                    break;
                case FrontendCode.CopyData:
                case FrontendCode.CopyDone:
                case FrontendCode.CopyFail:
                    break;
                case FrontendCode.FunctionCall:
                {
                    if (_groupGated)
                    {
                        held = HoldOpenGroup(output, source, ref forwardFrom, ref buffer, groupStart, message.Start);
                        return ClientAction.Hold;
                    }
                    // The legacy fast-path call runs a function by OID: opaque by nature.
                    Forward(output, source, ref forwardFrom, message.Start);
                    EnqueueGroupTraces();
                    _prepared.Sent();
                    var verdict = _gateway.Policy.Evaluate(Connection, IdentityGroups, FunctionCallStatement);
                    if (verdict.Tier == RiskTier.Low)
                    {
                        _expectations.ExpectReady();
                        groupStart = next;
                        break;
                    }
                    var classification = new SqlClassification { Statements = [FunctionCallStatement], Classes = StatementClass.Opaque };
                    held = HeldCommand.SimpleQuery(message.ToArray(), classification, verdict, this);
                    buffer = buffer.Slice(next);
                    return ClientAction.Hold;
                }
                case FrontendCode.Terminate:
                    // An unsynced gated group is dropped with the connection, never sent; the Terminate is passed on so the
                    // upstream ends the session cleanly instead of logging an unexpected EOF.
                    _terminating = true;
                    Forward(output, source, ref forwardFrom, _groupGated ? groupStart : message.Start);
                    FrontendMessages.WriteTerminate(output);
                    buffer = buffer.Slice(next);
                    return ClientAction.Terminate;
                default:
                    violation = $"unexpected message type '{Printable(code)}' from the client";
                    return ClientAction.ProtocolViolation;
            }
            cursor = cursor.Slice(next);
        }

        if (_groupGated)
        {
            // A gated group isn't complete yet: pass on what precedes it and read again from its start once more bytes arrive.
            Forward(output, source, ref forwardFrom, groupStart);
            _groupTraces.Clear();
            _groupGatedStatements.Clear();
            _groupGated = false;
            _prepared.DiscardUnsent();
            buffer = buffer.Slice(groupStart);
            return ClientAction.NeedMoreData;
        }
        Forward(output, source, ref forwardFrom, cursor.Start);
        EnqueueGroupTraces();
        _prepared.Sent();
        if (groupHasMessages) _groupPartiallyForwarded = true;
        buffer = buffer.Slice(cursor.Start);
        return ClientAction.NeedMoreData;
    }

    /// <summary>Copies the bytes between two positions of <paramref name="source"/> to the upstream and moves <paramref name="from"/> on.</summary>
    private static void Forward(PipeWriter output, in ReadOnlySequence<byte> source, ref SequencePosition from, SequencePosition to)
    {
        if (from.Equals(to)) return;
        BackendMessages.WriteRaw(output, source.Slice(from, to));
        from = to;
    }

    private HeldCommand TakeGatedGroup(byte[] bytes, bool endsWithSync)
    {
        var held = HeldCommand.ExtendedGroup(bytes, endsWithSync, _groupPartiallyForwarded, _groupVerdict, [.. _groupTraces], [.. _groupGatedStatements],
            _prepared.TakeUnsent());
        _groupTraces.Clear();
        _groupGatedStatements.Clear();
        _groupGated = false;
        // A hold that ended at a Flush leaves the group open: whatever happens to it, the upstream has seen part of the group.
        _groupPartiallyForwarded = !endsWithSync;
        return held;
    }

    /// <summary>
    /// Holds a gated group that has no Sync yet because a Query or FunctionCall follows it: the group is decided first (as at a Flush),
    /// and the message that follows is read again after the decision.
    /// </summary>
    private HeldCommand HoldOpenGroup(PipeWriter output, in ReadOnlySequence<byte> source, ref SequencePosition forwardFrom,
        ref ReadOnlySequence<byte> buffer, SequencePosition groupStart, SequencePosition end)
    {
        Forward(output, source, ref forwardFrom, groupStart);
        var held = TakeGatedGroup(source.Slice(groupStart, end).ToArray(), endsWithSync: false);
        buffer = buffer.Slice(end);
        return held;
    }
}
