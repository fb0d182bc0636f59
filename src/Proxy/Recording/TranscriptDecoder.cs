using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace TicketGate.Proxy.Recording;

/// <summary>
/// Turns a session's recorded events back into a transcript: the agent's statements (simple queries, and executed prepared
/// statements with their parameters), each result with its rows and command tag, errors and notices, and the holds and decisions
/// in between. The protocol bytes of each direction are read as one stream, since a message may span two recorded reads.
/// </summary>
public static class TranscriptDecoder
{
    public static IReadOnlyList<TranscriptEntry> Decode(IReadOnlyList<RecordedEvent> events)
    {
        var state = new DecodeState();
        foreach (var e in events)
        {
            switch (e.Kind)
            {
                case RecordedEventKind.Client:
                    state.Client.AddRange(e.Payload);
                    ReadClient(state, e.OffsetUs);
                    break;
                case RecordedEventKind.Server:
                    state.Server.AddRange(e.Payload);
                    ReadServer(state, e.OffsetUs);
                    break;
                case RecordedEventKind.Hold:
                {
                    var note = JsonSerializer.Deserialize<HoldNote>(e.Payload, RecordingJson.Options)!;
                    state.Entries.Add(new TranscriptEntry(e.OffsetUs, "hold") { RequestId = note.RequestId, Tier = note.Tier, Rule = note.Rule, Text = note.Statement });
                    break;
                }
                case RecordedEventKind.Decision:
                {
                    var note = JsonSerializer.Deserialize<DecisionNote>(e.Payload, RecordingJson.Options)!;
                    state.Entries.Add(new TranscriptEntry(e.OffsetUs, "decision")
                    {
                        RequestId = note.RequestId, Outcome = note.Outcome, DecidedBy = note.DecidedBy, Text = note.Reason,
                    });
                    break;
                }
                default:
                    state.Entries.Add(new TranscriptEntry(e.OffsetUs, "truncated")
                    {
                        Text = "the session reached its recording cap; what followed was not kept",
                    });
                    break;
            }
        }
        return state.Entries;
    }

    private sealed class DecodeState
    {
        public List<byte> Client { get; } = [];
        public List<byte> Server { get; } = [];
        public List<TranscriptEntry> Entries { get; } = [];
        public Dictionary<string, string> Statements { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, (string Sql, List<string?> Parameters)> Portals { get; } = new(StringComparer.Ordinal);
        public List<string>? Columns { get; set; }
        public List<(uint Type, bool Binary)> Types { get; } = [];
        public List<IReadOnlyList<string?>> Rows { get; } = [];
    }

    private static void ReadClient(DecodeState state, long offset)
    {
        var bytes = state.Client;
        var pos = 0;
        while (TryMessage(bytes, pos, out var code, out var body))
        {
            pos += 1 + 4 + body.Length;
            switch (code)
            {
                case (byte)'Q':
                    state.Entries.Add(new TranscriptEntry(offset, "query") { Text = CString(body, 0, out _) });
                    break;
                case (byte)'P':
                {
                    var name = CString(body, 0, out var next);
                    state.Statements[name] = CString(body, next, out _);
                    break;
                }
                case (byte)'B':
                {
                    var portal = CString(body, 0, out var next);
                    var statement = CString(body, next, out next);
                    state.Portals[portal] = (state.Statements.GetValueOrDefault(statement, $"(prepared statement \"{statement}\")"), BindParameters(body, next));
                    break;
                }
                case (byte)'E':
                {
                    var portal = CString(body, 0, out _);
                    var (sql, parameters) = state.Portals.GetValueOrDefault(portal, ($"(portal \"{portal}\")", []));
                    state.Entries.Add(new TranscriptEntry(offset, "query") { Text = sql, Parameters = parameters.Count > 0 ? parameters : null });
                    break;
                }
            }
        }
        bytes.RemoveRange(0, pos);
    }

    private static void ReadServer(DecodeState state, long offset)
    {
        var bytes = state.Server;
        var pos = 0;
        while (TryMessage(bytes, pos, out var code, out var body))
        {
            pos += 1 + 4 + body.Length;
            switch (code)
            {
                case (byte)'T':
                    ReadColumns(state, body);
                    break;
                case (byte)'D':
                    state.Rows.Add(ReadRow(state, body));
                    break;
                case (byte)'H':
                    state.Columns = null;
                    state.Types.Clear();
                    break;
                case (byte)'d':
                    state.Rows.Add([Encoding.UTF8.GetString(body).TrimEnd('\n')]);
                    break;
                case (byte)'C' or (byte)'s' or (byte)'I':
                    state.Entries.Add(new TranscriptEntry(offset, "result")
                    {
                        Columns = state.Columns,
                        Rows = state.Rows.Count > 0 || state.Columns is not null ? [.. state.Rows] : null,
                        Tag = code == (byte)'C' ? CString(body, 0, out _) : code == (byte)'s' ? "SUSPENDED" : "EMPTY",
                    });
                    state.Columns = null;
                    state.Types.Clear();
                    state.Rows.Clear();
                    break;
                case (byte)'E' or (byte)'N':
                    state.Entries.Add(Notice(offset, code == (byte)'E' ? "error" : "notice", body));
                    if (code == (byte)'E')
                    {
                        state.Columns = null;
                        state.Types.Clear();
                        state.Rows.Clear();
                    }
                    break;
                case (byte)'A':
                {
                    var channel = CString(body, 4, out var next);
                    state.Entries.Add(new TranscriptEntry(offset, "notification") { Text = $"\"{channel}\": {CString(body, next, out _)}" });
                    break;
                }
            }
        }
        bytes.RemoveRange(0, pos);
    }

    private static bool TryMessage(List<byte> bytes, int pos, out byte code, out byte[] body)
    {
        code = 0;
        body = [];
        if (bytes.Count - pos < 5) return false;
        var length = (bytes[pos + 1] << 24) | (bytes[pos + 2] << 16) | (bytes[pos + 3] << 8) | bytes[pos + 4];
        if (length < 4 || bytes.Count - pos - 1 < length) return false;
        code = bytes[pos];
        body = bytes.GetRange(pos + 5, length - 4).ToArray();
        return true;
    }

    private static void ReadColumns(DecodeState state, byte[] body)
    {
        var count = BinaryPrimitives.ReadInt16BigEndian(body);
        var columns = new List<string>(count);
        state.Types.Clear();
        var pos = 2;
        for (var i = 0; i < count; i++)
        {
            columns.Add(CString(body, pos, out pos));
            var type = BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(pos + 6));
            var binary = BinaryPrimitives.ReadInt16BigEndian(body.AsSpan(pos + 16)) == 1;
            state.Types.Add((type, binary));
            pos += 18;
        }
        state.Columns = columns;
        state.Rows.Clear();
    }

    private static List<string?> ReadRow(DecodeState state, byte[] body)
    {
        var count = BinaryPrimitives.ReadInt16BigEndian(body);
        var values = new List<string?>(count);
        var pos = 2;
        for (var i = 0; i < count; i++)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(body.AsSpan(pos));
            pos += 4;
            if (length < 0)
            {
                values.Add(null);
                continue;
            }
            var value = body.AsSpan(pos, length);
            pos += length;
            var (type, binary) = i < state.Types.Count ? state.Types[i] : (0u, true);
            values.Add(binary ? BinaryValue(type, value) : Encoding.UTF8.GetString(value));
        }
        return values;
    }

    /// <summary>A binary value as psql would show it, for the common types; other types as \x hex.</summary>
    private static string BinaryValue(uint type, ReadOnlySpan<byte> value)
    {
        switch (type)
        {
            case 25 or 1043 or 1042 or 19 or 114 or 18 or 705:
                return Encoding.UTF8.GetString(value);
            case 3802 when value.Length > 0:
                return Encoding.UTF8.GetString(value[1..]);
            case 16 when value.Length == 1:
                return value[0] != 0 ? "t" : "f";
            case 21 when value.Length == 2:
                return BinaryPrimitives.ReadInt16BigEndian(value).ToString(CultureInfo.InvariantCulture);
            case 23 or 26 when value.Length == 4:
                return BinaryPrimitives.ReadInt32BigEndian(value).ToString(CultureInfo.InvariantCulture);
            case 20 when value.Length == 8:
                return BinaryPrimitives.ReadInt64BigEndian(value).ToString(CultureInfo.InvariantCulture);
            case 701 when value.Length == 8:
                return BinaryPrimitives.ReadDoubleBigEndian(value).ToString(CultureInfo.InvariantCulture);
            case 2950 when value.Length == 16:
                return new Guid(value, bigEndian: true).ToString();
            case 0 when IsPrintable(value):
                return Encoding.UTF8.GetString(value);
            default:
                return "\\x" + Convert.ToHexStringLower(value);
        }
    }

    private static bool IsPrintable(ReadOnlySpan<byte> value)
    {
        foreach (var b in value)
        {
            if (b < 0x20 && b is not (byte)'\n' and not (byte)'\t' and not (byte)'\r') return false;
        }
        return true;
    }

    private static List<string?> BindParameters(byte[] body, int pos)
    {
        var parameters = new List<string?>();
        var formatCount = BinaryPrimitives.ReadInt16BigEndian(body.AsSpan(pos));
        var formats = body.AsSpan(pos + 2, formatCount * 2).ToArray();
        pos += 2 + formatCount * 2;
        var count = BinaryPrimitives.ReadInt16BigEndian(body.AsSpan(pos));
        pos += 2;
        for (var i = 0; i < count; i++)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(body.AsSpan(pos));
            pos += 4;
            if (length < 0)
            {
                parameters.Add(null);
                continue;
            }
            var format = formatCount == 0 ? 0 : BinaryPrimitives.ReadInt16BigEndian(formats.AsSpan(formatCount == 1 ? 0 : i * 2));
            var value = body.AsSpan(pos, length);
            parameters.Add(format == 0 ? Encoding.UTF8.GetString(value) : BinaryValue(0, value));
            pos += length;
        }
        return parameters;
    }

    private static TranscriptEntry Notice(long offset, string kind, byte[] body)
    {
        string? severity = null, state = null, message = null, detail = null, hint = null;
        var pos = 0;
        while (pos < body.Length && body[pos] != 0)
        {
            var field = body[pos];
            var value = CString(body, pos + 1, out pos);
            switch (field)
            {
                case (byte)'S': severity = value; break;
                case (byte)'C': state = value; break;
                case (byte)'M': message = value; break;
                case (byte)'D': detail = value; break;
                case (byte)'H': hint = value; break;
            }
        }
        return new TranscriptEntry(offset, kind) { Severity = severity, SqlState = state, Text = message, Detail = detail, Hint = hint };
    }

    private static string CString(byte[] body, int pos, out int next)
    {
        var end = Array.IndexOf(body, (byte)0, pos);
        if (end < 0) end = body.Length;
        next = end + 1;
        return Encoding.UTF8.GetString(body, pos, end - pos);
    }
}
