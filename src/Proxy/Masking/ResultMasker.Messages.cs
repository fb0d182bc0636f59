using System.Buffers;
using System.Buffers.Binary;
using TicketGate.Proxy.Configuration;

namespace TicketGate.Proxy.Masking;

internal sealed partial class ResultMasker
{
    private enum CopyMode : byte
    {
        None,
        Text,
        Binary,
    }

    private CopyMode _copy;
    private string? _copyProblem;

    // Error and notice fields that never carry data: severity, SQLSTATE, positions, the server's source location.
    private static ReadOnlySpan<byte> PlainFields => "SVCPpFLR"u8;

    public bool InCopy => _copy != CopyMode.None;

    /// <summary>
    /// A CopyOutResponse: COPY … TO STDOUT starts. Its rows carry no column origins, so a COPY naming a table with masked columns
    /// (<paramref name="tableHasRules"/>) can only be checked by the detectors: strict mode refuses it.
    /// </summary>
    public void StartCopy(ReadOnlySpan<byte> body, bool tableHasRules)
    {
        _copy = body.Length > 0 && body[0] == 1 ? CopyMode.Binary : CopyMode.Text;
        _copyProblem = null;
        if (!masking.Strict) return;
        if (tableHasRules)
        {
            _copyProblem = "COPY … TO STDOUT of a table with masked columns can't be masked column by column; select the rows instead";
        }
        else if (_copy == CopyMode.Binary && masking.Detectors != SensitiveDataKinds.None)
        {
            _copyProblem = "binary COPY output can't be inspected; use COPY … TO STDOUT in text or CSV format";
        }
    }

    /// <summary>The problem that blocks the current COPY's output, if any (set by <see cref="StartCopy"/>).</summary>
    public string? CopyProblem => _copyProblem;

    /// <summary>Masks what the detectors find in one CopyData message of COPY … TO STDOUT.</summary>
    public MaskOutcome CopyData(ReadOnlySpan<byte> message, IBufferWriter<byte> output)
    {
        if (masking.Detectors == SensitiveDataKinds.None) return MaskOutcome.Unchanged;
        var data = message[5..];
        if (!Scan(data, 0)) return MaskOutcome.Unchanged;
        var span = output.GetSpan(message.Length + _findings.Count * MaskFormatter.MaxLength);
        span[0] = message[0];
        int length;
        if (_copy == CopyMode.Binary)
        {
            // Binary tuples frame each field by length: star the findings out without moving anything.
            data.CopyTo(span[5..]);
            for (var f = 0; f < _findings.Count; f++) span.Slice(5 + _findings[f].Start, _findings[f].Length).Fill((byte)'*');
            length = data.Length;
        }
        else
        {
            length = ReplaceFindings(data, 0, span[5..]);
        }
        BinaryPrimitives.WriteInt32BigEndian(span[1..], length + 4);
        output.Advance(5 + length);
        return MaskOutcome.Rewritten;
    }

    /// <summary>
    /// Masks an ErrorResponse or NoticeResponse: the detectors run over every field that can carry data, and when the error names a
    /// table with masked columns (fields s and t, as a unique violation does) the key or row values in its DETAIL are masked whole.
    /// </summary>
    public MaskOutcome Notice(ReadOnlySpan<byte> message, IBufferWriter<byte> output)
    {
        var body = message[5..];
        var keyedTable = masking.Catalog.HasRules && TableOf(body) is var (schema, table) && masking.Catalog.HasRulesFor(schema, table);
        var changed = false;
        var extra = 0;
        for (var pos = 0; pos < body.Length && body[pos] != 0;)
        {
            var end = body[(pos + 1)..].IndexOf((byte)0);
            if (end < 0) return MaskOutcome.Unchanged;
            var type = body[pos];
            var value = body.Slice(pos + 1, end);
            if (keyedTable && type == (byte)'D' && DetailValues(value).Length > 0)
            {
                changed = true;
                extra += MaskFormatter.MaxLength;
            }
            else if (PlainFields.IndexOf(type) < 0 && Scan(value, 0))
            {
                changed = true;
                extra += _findings.Count * MaskFormatter.MaxLength;
            }
            pos += end + 2;
        }
        if (!changed) return MaskOutcome.Unchanged;

        var span = output.GetSpan(message.Length + extra);
        span[0] = message[0];
        var written = 5;
        for (var pos = 0; pos < body.Length && body[pos] != 0;)
        {
            var end = body[(pos + 1)..].IndexOf((byte)0);
            var type = body[pos];
            var value = body.Slice(pos + 1, end);
            span[written++] = type;
            var (valuesStart, valuesLength) = keyedTable && type == (byte)'D' ? DetailRange(value) : (-1, 0);
            if (valuesStart >= 0)
            {
                value[..valuesStart].CopyTo(span[written..]);
                written += valuesStart;
                written += _formatter.Write(default, MaskStyle.Full, span[written..]);
                var rest = value[(valuesStart + valuesLength)..];
                rest.CopyTo(span[written..]);
                written += rest.Length;
            }
            else if (PlainFields.IndexOf(type) < 0 && Scan(value, 0))
            {
                written += ReplaceFindings(value, 0, span[written..]);
            }
            else
            {
                value.CopyTo(span[written..]);
                written += value.Length;
            }
            span[written++] = 0;
            pos += end + 2;
        }
        span[written++] = 0;
        BinaryPrimitives.WriteInt32BigEndian(span[1..], written - 1);
        output.Advance(written);
        return MaskOutcome.Rewritten;
    }

    /// <summary>Masks what the detectors find in a NOTIFY payload.</summary>
    public MaskOutcome Notification(ReadOnlySpan<byte> message, IBufferWriter<byte> output)
    {
        var body = message[5..];
        var channelEnd = body[4..].IndexOf((byte)0);
        if (channelEnd < 0) return MaskOutcome.Unchanged;
        var payloadStart = 4 + channelEnd + 1;
        var payloadEnd = body[payloadStart..].IndexOf((byte)0);
        if (payloadEnd < 0) return MaskOutcome.Unchanged;
        var payload = body.Slice(payloadStart, payloadEnd);
        if (!Scan(payload, 0)) return MaskOutcome.Unchanged;
        var span = output.GetSpan(message.Length + _findings.Count * MaskFormatter.MaxLength);
        span[0] = message[0];
        body[..payloadStart].CopyTo(span[5..]);
        var written = 5 + payloadStart;
        written += ReplaceFindings(payload, 0, span[written..]);
        span[written++] = 0;
        BinaryPrimitives.WriteInt32BigEndian(span[1..], written - 1);
        output.Advance(written);
        return MaskOutcome.Rewritten;
    }

    private static (string Schema, string Table)? TableOf(ReadOnlySpan<byte> body)
    {
        string? schema = null, table = null;
        for (var pos = 0; pos < body.Length && body[pos] != 0;)
        {
            var end = body[(pos + 1)..].IndexOf((byte)0);
            if (end < 0) break;
            if (body[pos] == (byte)'s') schema = System.Text.Encoding.UTF8.GetString(body.Slice(pos + 1, end));
            else if (body[pos] == (byte)'t') table = System.Text.Encoding.UTF8.GetString(body.Slice(pos + 1, end));
            pos += end + 2;
        }
        return schema is not null && table is not null ? (schema, table) : null;
    }

    private static ReadOnlySpan<byte> DetailValues(ReadOnlySpan<byte> detail)
    {
        var (start, length) = DetailRange(detail);
        return start < 0 ? default : detail.Slice(start, length);
    }

    /// <summary>Where the values sit in "Key (a, b)=(1, 2) already exists." or "Failing row contains (1, 2, …)."; (-1, 0) when neither.</summary>
    private static (int Start, int Length) DetailRange(ReadOnlySpan<byte> detail)
    {
        var open = detail.IndexOf(")=("u8);
        var start = open >= 0 ? open + 3 : -1;
        if (start < 0)
        {
            var contains = detail.IndexOf("contains ("u8);
            if (contains < 0) return (-1, 0);
            start = contains + 10;
        }
        var close = detail.LastIndexOf((byte)')');
        return close < start ? (-1, 0) : (start, close - start);
    }
}
