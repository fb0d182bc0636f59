using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using TicketGate.Proxy.Postgres.Messages;

namespace TicketGate.Proxy.Postgres.Session;

internal sealed partial class PostgresSession
{
    // Bytes still to relay of a large message (a wide DataRow, COPY data) that is streamed rather than buffered whole.
    private long _serverStreamRemaining;
    private bool _serverStreamSwallowed;
    private bool _serverHoldsClientLock;
    private const int StreamThreshold = 64 * 1024;

    private async Task RunServerPumpAsync()
    {
        var reader = _upstream.Transport.Input;
        var output = _client.Output;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(_stopping.Token).ConfigureAwait(false);
                if (result.IsCanceled) return;
                var buffer = result.Buffer;
                if (!_serverHoldsClientLock)
                {
                    await _clientWriteLock.WaitAsync(_stopping.Token).ConfigureAwait(false);
                    _serverHoldsClientLock = true;
                }
                var consumed = Relay(buffer, output);
                reader.AdvanceTo(consumed, buffer.End);
                var flush = await output.FlushAsync(_stopping.Token).ConfigureAwait(false);
                // Keep the client's writer while inside a streamed message, so no notice of ours lands in the middle of it.
                if (_serverStreamRemaining == 0)
                {
                    _serverHoldsClientLock = false;
                    _clientWriteLock.Release();
                }
                if (flush.IsCompleted) return;
                if (result.IsCompleted)
                {
                    if (!_stopping.IsCancellationRequested && !_terminating)
                    {
                        await TryWriteFatalAsync(new ServerNotice("FATAL", SqlState.ConnectionFailure,
                            $"the database of connection \"{Connection.Name}\" closed the connection")).ConfigureAwait(false);
                    }
                    return;
                }
            }
        }
        finally
        {
            if (_serverHoldsClientLock)
            {
                _serverHoldsClientLock = false;
                _clientWriteLock.Release();
            }
        }
    }

    /// <summary>Relays complete messages to the client, keeping the books; returns where the unrelayed bytes start.</summary>
    private SequencePosition Relay(in ReadOnlySequence<byte> buffer, PipeWriter output)
    {
        var cursor = buffer;
        var runStart = buffer.Start;
        while (true)
        {
            if (_serverStreamRemaining > 0)
            {
                var take = Math.Min(_serverStreamRemaining, cursor.Length);
                var part = cursor.Slice(0, take);
                if (!_serverStreamSwallowed) BackendMessages.WriteRaw(output, part);
                _serverStreamRemaining -= take;
                cursor = cursor.Slice(take);
                runStart = cursor.Start;
                if (_serverStreamRemaining > 0) break;
                continue;
            }
            if (!MessageFraming.TryReadHeader(cursor, out var code, out var total)) break;
            if (total < 5) throw new IOException("the upstream sent a message with an invalid length");

            var swallow = false;
            if (cursor.Length < total)
            {
                if (total <= StreamThreshold || !IsStreamable(code)) break;
                // Too large to wait for whole: relay what is here and the rest as it comes.
                Flush(output, buffer, ref runStart, cursor.Start, swallowed: false);
                _serverStreamSwallowed = CurrentGroupSwallowed();
                _serverStreamRemaining = total;
                continue;
            }

            var message = cursor.Slice(0, total);
            switch (code)
            {
                case BackendCode.CommandComplete:
                case BackendCode.EmptyQueryResponse:
                case BackendCode.PortalSuspended:
                    swallow = CompleteStatement(message, code, error: false);
                    break;
                case BackendCode.ErrorResponse:
                    swallow = CompleteStatement(message, code, error: true);
                    break;
                case BackendCode.ReadyForQuery:
                    swallow = ReadyForQuery(message);
                    break;
                case BackendCode.ParseComplete:
                case BackendCode.BindComplete:
                case BackendCode.CloseComplete:
                    _prepared.Confirm();
                    swallow = CurrentGroupSwallowed();
                    break;
                case BackendCode.ParameterStatus:
                case BackendCode.NotificationResponse:
                    break;
                default:
                    swallow = CurrentGroupSwallowed();
                    break;
            }
            if (swallow)
            {
                Flush(output, buffer, ref runStart, message.Start, swallowed: false);
                runStart = message.End;
            }
            cursor = cursor.Slice(message.End);
        }
        Flush(output, buffer, ref runStart, cursor.Start, swallowed: false);
        return cursor.Start;
    }

    private static void Flush(PipeWriter output, in ReadOnlySequence<byte> buffer, ref SequencePosition runStart, SequencePosition end, bool swallowed)
    {
        if (!runStart.Equals(end) && !swallowed) BackendMessages.WriteRaw(output, buffer.Slice(runStart, end));
        runStart = end;
    }

    private static bool IsStreamable(byte code) => code is BackendCode.DataRow or (byte)'d';

    private bool CurrentGroupSwallowed() => _expectations.TryPeek(out var head) && head.IsStatement && head.Swallow;

    /// <summary>A statement finished (or failed): completes its trace. Returns whether the message is one of ours to swallow.</summary>
    private bool CompleteStatement(in ReadOnlySequence<byte> message, byte code, bool error)
    {
        if (!_expectations.TryPeek(out var head) || !head.IsStatement)
        {
            // An error outside any statement (a Parse that failed, say): the group's statements are settled at ReadyForQuery.
            return false;
        }
        _expectations.TryDequeue(out _);
        if (head.Trace is { } trace)
        {
            var body = MessageFraming.Contiguous(message.Slice(5), ref _serverScratch);
            RecordCompleted(trace, code, body);
        }
        return head.Swallow;
    }

    private bool ReadyForQuery(in ReadOnlySequence<byte> message)
    {
        var status = message.Slice(5, 1).FirstSpan[0];
        _transactionStatus = status;
        _prepared.Settle();
        var swallow = false;
        while (_expectations.TryDequeue(out var expectation))
        {
            if (expectation.IsStatement)
            {
                // Statements of the group that produced no completion never ran (an earlier error stopped the group).
                if (expectation.Trace is { } trace) RecordNotRun(trace);
                continue;
            }
            swallow = expectation.Swallow;
            expectation.Done?.TrySetResult(status);
            break;
        }
        return swallow;
    }

    private byte[]? _serverScratch;

    private static long Elapsed(long since) => (long)Stopwatch.GetElapsedTime(since).TotalMicroseconds;
}
