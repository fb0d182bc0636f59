using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace TicketGate.Proxy.Postgres.Messages;

/// <summary>Writes the frontend messages TicketGate sends upstream on its own account.</summary>
internal static class FrontendMessages
{
    public static void WriteStartup(IBufferWriter<byte> output, IEnumerable<KeyValuePair<string, string>> parameters)
    {
        var length = 4 + 4 + 1;
        foreach (var (k, v) in parameters) length += Encoding.UTF8.GetByteCount(k) + Encoding.UTF8.GetByteCount(v) + 2;
        var span = output.GetSpan(length);
        BinaryPrimitives.WriteInt32BigEndian(span, length);
        BinaryPrimitives.WriteInt32BigEndian(span[4..], StartupCode.Protocol30);
        var pos = 8;
        foreach (var (k, v) in parameters)
        {
            pos += Encoding.UTF8.GetBytes(k, span[pos..]); span[pos++] = 0;
            pos += Encoding.UTF8.GetBytes(v, span[pos..]); span[pos++] = 0;
        }
        span[pos++] = 0;
        output.Advance(pos);
    }

    public static void WriteSslRequest(IBufferWriter<byte> output) => WriteCode(output, StartupCode.SslRequest);

    public static void WriteCancelRequest(IBufferWriter<byte> output, int processId, int secretKey)
    {
        var span = output.GetSpan(16);
        BinaryPrimitives.WriteInt32BigEndian(span, 16);
        BinaryPrimitives.WriteInt32BigEndian(span[4..], StartupCode.CancelRequest);
        BinaryPrimitives.WriteInt32BigEndian(span[8..], processId);
        BinaryPrimitives.WriteInt32BigEndian(span[12..], secretKey);
        output.Advance(16);
    }

    private static void WriteCode(IBufferWriter<byte> output, int code)
    {
        var span = output.GetSpan(8);
        BinaryPrimitives.WriteInt32BigEndian(span, 8);
        BinaryPrimitives.WriteInt32BigEndian(span[4..], code);
        output.Advance(8);
    }

    /// <summary>A message of type <paramref name="code"/> whose body is given bytes (PasswordMessage, SASLInitialResponse...).</summary>
    public static void WriteMessage(IBufferWriter<byte> output, byte code, ReadOnlySpan<byte> body)
    {
        var span = output.GetSpan(5 + body.Length);
        span[0] = code;
        BinaryPrimitives.WriteInt32BigEndian(span[1..], 4 + body.Length);
        body.CopyTo(span[5..]);
        output.Advance(5 + body.Length);
    }

    public static void WriteQuery(IBufferWriter<byte> output, string sql)
    {
        var n = Encoding.UTF8.GetByteCount(sql);
        var span = output.GetSpan(6 + n);
        span[0] = FrontendCode.Query;
        BinaryPrimitives.WriteInt32BigEndian(span[1..], 4 + n + 1);
        Encoding.UTF8.GetBytes(sql, span[5..]);
        span[5 + n] = 0;
        output.Advance(6 + n);
    }

    public static void WriteSync(IBufferWriter<byte> output)
    {
        var span = output.GetSpan(5);
        span[0] = FrontendCode.Sync;
        BinaryPrimitives.WriteInt32BigEndian(span[1..], 4);
        output.Advance(5);
    }

    public static void WriteTerminate(IBufferWriter<byte> output)
    {
        var span = output.GetSpan(5);
        span[0] = FrontendCode.Terminate;
        BinaryPrimitives.WriteInt32BigEndian(span[1..], 4);
        output.Advance(5);
    }
}
