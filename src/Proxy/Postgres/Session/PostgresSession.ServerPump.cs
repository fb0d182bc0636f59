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
    // A large message gathered whole because it must be masked before any of it is passed on.
    private byte[]? _assembly;
    private int _assemblyLength;
    private int _assemblyFilled;

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
                var waitForCatalog = _catalogWanted;
                // Waiting for the catalog, the unrelayed bytes stay unexamined so the next read hands them back at once.
                reader.AdvanceTo(consumed, waitForCatalog ? consumed : buffer.End);
                _recording?.EndServerBatch();
                var flush = await output.FlushAsync(_stopping.Token).ConfigureAwait(false);
                // Keep the client's writer while inside a streamed message, so no notice of ours lands in the middle of it.
                if (_serverStreamRemaining == 0 && _assembly is null)
                {
                    _serverHoldsClientLock = false;
                    _clientWriteLock.Release();
                }
                if (flush.IsCompleted) return;
                if (waitForCatalog)
                {
                    await LoadCatalogAsync().ConfigureAwait(false);
                    continue;
                }
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
            if (_assembly is not null)
            {
                ArrayPool<byte>.Shared.Return(_assembly);
                _assembly = null;
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
            if (_assembly is not null)
            {
                var need = (int)Math.Min(_assemblyLength - _assemblyFilled, cursor.Length);
                cursor.Slice(0, need).CopyTo(_assembly.AsSpan(_assemblyFilled));
                _assemblyFilled += need;
                cursor = cursor.Slice(need);
                runStart = cursor.Start;
                if (_assemblyFilled < _assemblyLength) break;
                RelayAssembled(output);
                continue;
            }
            if (_serverStreamRemaining > 0)
            {
                var take = Math.Min(_serverStreamRemaining, cursor.Length);
                var part = cursor.Slice(0, take);
                if (!_serverStreamSwallowed) Emit(output, part);
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
                Flush(output, buffer, ref runStart, cursor.Start);
                var swallowed = CurrentGroupSwallowed() || _maskBlocked;
                if (_masker is not null && !swallowed)
                {
                    if (total <= _gateway.Options.Postgres.MaxMessageBytes)
                    {
                        // Masking needs the whole message before any of it leaves.
                        _assembly = ArrayPool<byte>.Shared.Rent(total);
                        _assemblyLength = total;
                        _assemblyFilled = 0;
                        continue;
                    }
                    Block($"a message of {total} bytes is larger than TicketGate inspects (postgres.max_message_bytes)");
                    Emit(output, _maskedMessage.WrittenSpan);
                    swallowed = true;
                }
                _serverStreamSwallowed = swallowed;
                _serverStreamRemaining = total;
                continue;
            }

            var message = cursor.Slice(0, total);
            var masked = MaskAction.Pass;
            if (_masker is not null)
            {
                masked = MaskServerMessage(code, message);
                if (masked == MaskAction.WaitForCatalog) break;
            }
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
            if (_maskBlocked)
            {
                // The rest of a blocked response is dropped; what isn't part of it still passes.
                if (masked != MaskAction.Block && code is not (BackendCode.ReadyForQuery or BackendCode.ParameterStatus or BackendCode.NotificationResponse))
                {
                    swallow = true;
                }
                if (code == BackendCode.ReadyForQuery) _maskBlocked = false;
            }
            if (swallow)
            {
                Flush(output, buffer, ref runStart, message.Start);
                runStart = message.End;
            }
            else if (masked is MaskAction.Replace or MaskAction.Block)
            {
                Flush(output, buffer, ref runStart, message.Start);
                Emit(output, _maskedMessage.WrittenSpan);
                runStart = message.End;
            }
            cursor = cursor.Slice(message.End);
        }
        Flush(output, buffer, ref runStart, cursor.Start);
        return cursor.Start;
    }

    /// <summary>A large message gathered whole (see <see cref="_assembly"/>): masked, booked and passed on like any other.</summary>
    private void RelayAssembled(PipeWriter output)
    {
        var bytes = _assembly!;
        var message = new ReadOnlySequence<byte>(bytes, 0, _assemblyLength);
        var masked = MaskServerMessage(bytes[0], message);
        var swallow = CurrentGroupSwallowed() || (_maskBlocked && masked != MaskAction.Block);
        if (!swallow) Emit(output, masked is MaskAction.Replace or MaskAction.Block ? _maskedMessage.WrittenSpan : bytes.AsSpan(0, _assemblyLength));
        _assembly = null;
        ArrayPool<byte>.Shared.Return(bytes);
    }

    private void Flush(PipeWriter output, in ReadOnlySequence<byte> buffer, ref SequencePosition runStart, SequencePosition end)
    {
        if (!runStart.Equals(end)) Emit(output, buffer.Slice(runStart, end));
        runStart = end;
    }

    /// <summary>Writes bytes bound for the client: the one place server bytes leave, so the recording sees exactly what the agent sees.</summary>
    private void Emit(PipeWriter output, in ReadOnlySequence<byte> bytes)
    {
        BackendMessages.WriteRaw(output, bytes);
        _recording?.Server(bytes);
    }

    private void Emit(PipeWriter output, ReadOnlySpan<byte> bytes)
    {
        BackendMessages.WriteRaw(output, bytes);
        _recording?.Server(bytes);
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
