using System.Buffers;
using System.Buffers.Binary;
using Microsoft.Extensions.Logging;
using TicketGate.Proxy.Masking;
using TicketGate.Proxy.Postgres.Messages;

namespace TicketGate.Proxy.Postgres.Session;

/// <summary>
/// The masking hooks of the data path. The server pump asks <see cref="MaskServerMessage"/> about every message of a connection that
/// masks; rows, COPY data, errors, notices and notifications may come back rewritten, or the response may be blocked (strict mode)
/// with an ErrorResponse, after which everything up to ReadyForQuery is dropped, as the server itself skips to Sync after an error.
/// A connection without masking has no <see cref="ResultMasker"/>, and its sessions skip all of this.
/// </summary>
internal sealed partial class PostgresSession
{
    private readonly ResultMasker? _masker;
    private readonly ArrayBufferWriter<byte> _maskedMessage = new(256);
    private byte[]? _maskScratch;
    // Strict mode blocked the current response: drop the upstream's answers until ReadyForQuery.
    private bool _maskBlocked;
    // A RowDescription named tables the catalog hasn't seen: the pump looks them up before relaying it.
    private bool _catalogWanted;
    private bool _catalogUnavailable;
    // The result formats of the client's latest Bind per portal, for an Execute that comes without a Describe.
    private readonly Dictionary<string, short[]?> _bindFormats = new(StringComparer.Ordinal);

    private static readonly short[] AllBinary = [1];

    private enum MaskAction
    {
        Pass,
        /// <summary>The message is replaced by the bytes in <see cref="_maskedMessage"/>.</summary>
        Replace,
        /// <summary>The response is blocked: an ErrorResponse is in <see cref="_maskedMessage"/>, and answers are dropped up to ReadyForQuery.</summary>
        Block,
        /// <summary>Stop before this message until the catalog knows its tables.</summary>
        WaitForCatalog,
    }

    /// <summary>Client pump: a Describe went (or goes, with a held group) upstream.</summary>
    private void NoteDescribe(ReadOnlySpan<byte> body)
    {
        if (_masker is null || body.Length < 2 || MessageFraming.ReadCString(body, 1, out var name) < 0) return;
        var statement = body[0] == (byte)'S';
        _prepared.Describe(statement, statement ? _prepared.FindStatement(name) : _prepared.FindPortal(name));
    }

    /// <summary>Client pump: remembers a Bind's result formats (read after the portal and statement names, at <paramref name="afterNames"/>).</summary>
    private void NoteBind(ReadOnlySpan<byte> portal, ReadOnlySpan<byte> body, int afterNames)
    {
        if (_masker is null) return;
        var name = portal.IsEmpty ? "" : System.Text.Encoding.UTF8.GetString(portal);
        _bindFormats[name] = ResultFormats(body, afterNames);
        if (_bindFormats.Count > 1024) _bindFormats.Clear();
    }

    /// <summary>Client pump: an Execute of <paramref name="statement"/> through <paramref name="portal"/>.</summary>
    private void NoteExecute(ReadOnlySpan<byte> portal, PreparedStatement statement)
    {
        if (_masker is null) return;
        var lookup = _bindFormats.GetAlternateLookup<ReadOnlySpan<char>>();
        Span<char> name = stackalloc char[Math.Min(portal.Length, 256)];
        var length = System.Text.Encoding.UTF8.GetChars(portal[..Math.Min(portal.Length, 256)], name);
        lookup.TryGetValue(name[..length], out var formats);
        _prepared.Execute(statement, formats);
    }

    private static short[]? ResultFormats(ReadOnlySpan<byte> body, int pos)
    {
        if (pos + 2 > body.Length) return null;
        var formatCount = BinaryPrimitives.ReadInt16BigEndian(body[pos..]);
        pos += 2 + formatCount * 2;
        if (pos + 2 > body.Length) return null;
        var parameterCount = BinaryPrimitives.ReadInt16BigEndian(body[pos..]);
        pos += 2;
        for (var i = 0; i < parameterCount && pos + 4 <= body.Length; i++)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(body[pos..]);
            pos += 4 + Math.Max(length, 0);
        }
        if (pos + 2 > body.Length) return null;
        var resultCount = BinaryPrimitives.ReadInt16BigEndian(body[pos..]);
        pos += 2;
        if (resultCount == 0) return null;
        if (resultCount == 1) return BinaryPrimitives.ReadInt16BigEndian(body[pos..]) == 1 ? AllBinary : null;
        var formats = new short[resultCount];
        for (var i = 0; i < resultCount && pos + 2 <= body.Length; i++, pos += 2) formats[i] = BinaryPrimitives.ReadInt16BigEndian(body[pos..]);
        return formats;
    }

    /// <summary>Server pump: what masking does with one complete message from the upstream.</summary>
    private MaskAction MaskServerMessage(byte code, in ReadOnlySequence<byte> message)
    {
        var masker = _masker!;
        if (_maskBlocked)
        {
            // Keep the books straight while the blocked response is dropped.
            if (code is BackendCode.CommandComplete or BackendCode.EmptyQueryResponse or BackendCode.PortalSuspended or BackendCode.ErrorResponse)
            {
                _prepared.TryAnswerExecute();
            }
            else if (code is BackendCode.RowDescription or BackendCode.NoData) _prepared.TryAnswerDescribe(out _);
            return MaskAction.Pass;
        }
        _maskedMessage.ResetWrittenCount();
        switch (code)
        {
            case BackendCode.RowDescription:
            {
                var body = MessageFraming.Contiguous(message.Slice(5), ref _maskScratch);
                if (!masker.CanPlan(body))
                {
                    if (!_catalogUnavailable)
                    {
                        _catalogWanted = true;
                        return MaskAction.WaitForCatalog;
                    }
                    _catalogUnavailable = false;
                    if (masker.Masking.Strict)
                    {
                        return Block("TicketGate could not read the upstream catalog to find this result's masked columns");
                    }
                }
                var described = _prepared.TryAnswerDescribe(out var describe);
                masker.Plan(body, described ? describe.Statement : null, current: !described || describe.What == PreparedStatements.Kind.DescribePortal);
                return MaskAction.Pass;
            }
            case BackendCode.NoData:
                _prepared.TryAnswerDescribe(out _);
                return MaskAction.Pass;
            case BackendCode.DataRow:
            {
                if (!masker.HasPlan && _prepared.TryPeekExecute(out var execute) && execute.Statement is { } statement)
                {
                    masker.PlanFromStatement(statement, execute.ResultFormats);
                }
                var outcome = masker.DataRow(MessageFraming.Contiguous(message, ref _maskScratch), _maskedMessage, out var problem);
                return outcome == MaskOutcome.Blocked ? Block(problem!) : outcome == MaskOutcome.Rewritten ? MaskAction.Replace : MaskAction.Pass;
            }
            case BackendCode.CopyOutResponse:
            case BackendCode.CopyBothResponse:
            {
                masker.StartCopy(MessageFraming.Contiguous(message.Slice(5), ref _maskScratch), CopyNamesMaskedTable());
                return masker.CopyProblem is { } problem ? Block(problem) : MaskAction.Pass;
            }
            case BackendCode.CopyData when masker.InCopy:
                return Rewritten(masker.CopyData(MessageFraming.Contiguous(message, ref _maskScratch), _maskedMessage));
            case BackendCode.CommandComplete:
            case BackendCode.EmptyQueryResponse:
            case BackendCode.PortalSuspended:
                masker.EndResult();
                _prepared.TryAnswerExecute();
                return MaskAction.Pass;
            case BackendCode.ErrorResponse:
                masker.EndResult();
                _prepared.TryAnswerExecute();
                return Rewritten(masker.Notice(MessageFraming.Contiguous(message, ref _maskScratch), _maskedMessage));
            case BackendCode.NoticeResponse:
                return Rewritten(masker.Notice(MessageFraming.Contiguous(message, ref _maskScratch), _maskedMessage));
            case BackendCode.NotificationResponse:
                return Rewritten(masker.Notification(MessageFraming.Contiguous(message, ref _maskScratch), _maskedMessage));
            case BackendCode.ReadyForQuery:
                masker.EndResult();
                return MaskAction.Pass;
            default:
                return MaskAction.Pass;
        }
    }



    private static MaskAction Rewritten(MaskOutcome outcome) => outcome == MaskOutcome.Rewritten ? MaskAction.Replace : MaskAction.Pass;

    /// <summary>Strict mode: the response is answered with an error instead of the value that couldn't be inspected.</summary>
    private MaskAction Block(string problem)
    {
        _maskedMessage.ResetWrittenCount();
        _maskBlocked = true;
        _masker!.EndResult();
        Log.MaskingBlocked(_logger, Id, Connection.Name, problem);
        BackendMessages.WriteErrorResponse(_maskedMessage, new ServerNotice("ERROR", SqlState.InsufficientPrivilege,
            "TicketGate withheld this result: " + problem,
            Detail: $"Connection \"{Connection.Name}\" masks sensitive data in strict mode, so values TicketGate can't inspect are not passed on.",
            Hint: "Ask for text-format results, or select the columns you need (casts to text are inspected)."));
        return MaskAction.Block;
    }

    /// <summary>Whether the statement whose COPY output starts names a table that has masked columns.</summary>
    private bool CopyNamesMaskedTable()
    {
        if (!_masker!.Masking.Catalog.HasRules || !_expectations.TryPeek(out var head) || head.Trace is not { } trace) return false;
        foreach (var table in trace.Tables)
        {
            if (_masker.Masking.Catalog.HasRulesForTable(table)) return true;
        }
        return false;
    }

    /// <summary>Looks up the tables a RowDescription named, so the pump can relay it with its masked columns known.</summary>
    private async Task LoadCatalogAsync()
    {
        _catalogWanted = false;
        try
        {
            await _masker!.Masking.Catalog.LoadAsync([.. _masker.MissingTables], _stopping.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or IOException or TimeoutException or InvalidOperationException
                                   or Configuration.SecretUnavailableException)
        {
            Log.CatalogUnavailable(_logger, Id, Connection.Name, e.Message);
            _catalogUnavailable = true;
        }
    }
}

internal sealed partial class PostgresSession
{
    private static partial class Log
    {
        [LoggerMessage(20, LogLevel.Warning, "Session {SessionId} on {Connection}: masking blocked a response: {Problem}")]
        public static partial void MaskingBlocked(ILogger logger, Guid sessionId, string connection, string problem);

        [LoggerMessage(21, LogLevel.Warning, "Session {SessionId} on {Connection}: the masking catalog lookup failed: {Reason}")]
        public static partial void CatalogUnavailable(ILogger logger, Guid sessionId, string connection, string reason);
    }
}
