using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace TicketGate.Proxy.Postgres.Messages;

/// <summary>Fields of an ErrorResponse or NoticeResponse, as users see them in psql.</summary>
public readonly record struct ServerNotice(string Severity, string SqlState, string Message, string? Detail = null, string? Hint = null);

/// <summary>Writes the backend messages TicketGate itself originates.</summary>
internal static class BackendMessages
{
    public static void WriteErrorResponse(IBufferWriter<byte> output, in ServerNotice error)
        => WriteNotice(output, BackendCode.ErrorResponse, error);

    public static void WriteNoticeResponse(IBufferWriter<byte> output, in ServerNotice notice)
        => WriteNotice(output, BackendCode.NoticeResponse, notice);

    private static void WriteNotice(IBufferWriter<byte> output, byte code, in ServerNotice n)
    {
        var length = 4 + Field(n.Severity) * 2 + Field(n.SqlState) + Field(n.Message) + Field(n.Detail) + Field(n.Hint) + 1;
        var span = output.GetSpan(1 + length);
        span[0] = code;
        BinaryPrimitives.WriteInt32BigEndian(span[1..], length);
        var pos = 5;
        pos += Put(span[pos..], (byte)'S', n.Severity);
        pos += Put(span[pos..], (byte)'V', n.Severity);
        pos += Put(span[pos..], (byte)'C', n.SqlState);
        pos += Put(span[pos..], (byte)'M', n.Message);
        pos += Put(span[pos..], (byte)'D', n.Detail);
        pos += Put(span[pos..], (byte)'H', n.Hint);
        span[pos++] = 0;
        output.Advance(pos);

        static int Field(string? value) => value is null ? 0 : 2 + Encoding.UTF8.GetByteCount(value);

        static int Put(Span<byte> span, byte type, string? value)
        {
            if (value is null) return 0;
            span[0] = type;
            var n = Encoding.UTF8.GetBytes(value, span[1..]);
            span[1 + n] = 0;
            return n + 2;
        }
    }

    public static void WriteReadyForQuery(IBufferWriter<byte> output, byte transactionStatus)
    {
        var span = output.GetSpan(6);
        span[0] = BackendCode.ReadyForQuery;
        BinaryPrimitives.WriteInt32BigEndian(span[1..], 5);
        span[5] = transactionStatus;
        output.Advance(6);
    }

    public static void WriteAuthentication(IBufferWriter<byte> output, int code)
    {
        var span = output.GetSpan(9);
        span[0] = BackendCode.Authentication;
        BinaryPrimitives.WriteInt32BigEndian(span[1..], 8);
        BinaryPrimitives.WriteInt32BigEndian(span[5..], code);
        output.Advance(9);
    }

    public static void WriteBackendKeyData(IBufferWriter<byte> output, int processId, int secretKey)
    {
        var span = output.GetSpan(13);
        span[0] = BackendCode.BackendKeyData;
        BinaryPrimitives.WriteInt32BigEndian(span[1..], 12);
        BinaryPrimitives.WriteInt32BigEndian(span[5..], processId);
        BinaryPrimitives.WriteInt32BigEndian(span[9..], secretKey);
        output.Advance(13);
    }

    /// <summary>Tells a client that asked for protocol 3.2 (or sent _pq_ options) that we speak 3.0 and ignored those options.</summary>
    public static void WriteNegotiateProtocolVersion(IBufferWriter<byte> output, int newestMinor, IReadOnlyList<string> unrecognizedOptions)
    {
        var length = 4 + 4 + 4;
        foreach (var o in unrecognizedOptions) length += Encoding.UTF8.GetByteCount(o) + 1;
        var span = output.GetSpan(1 + length);
        span[0] = BackendCode.NegotiateProtocolVersion;
        BinaryPrimitives.WriteInt32BigEndian(span[1..], length);
        BinaryPrimitives.WriteInt32BigEndian(span[5..], newestMinor);
        BinaryPrimitives.WriteInt32BigEndian(span[9..], unrecognizedOptions.Count);
        var pos = 13;
        foreach (var o in unrecognizedOptions)
        {
            pos += Encoding.UTF8.GetBytes(o, span[pos..]);
            span[pos++] = 0;
        }
        output.Advance(pos);
    }

    public static void WriteRaw(IBufferWriter<byte> output, ReadOnlySpan<byte> bytes)
    {
        var span = output.GetSpan(bytes.Length);
        bytes.CopyTo(span);
        output.Advance(bytes.Length);
    }

    public static void WriteRaw(IBufferWriter<byte> output, in ReadOnlySequence<byte> bytes)
    {
        foreach (var segment in bytes) WriteRaw(output, segment.Span);
    }
}
