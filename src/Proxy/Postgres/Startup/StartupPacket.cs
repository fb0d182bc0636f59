using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Text;
using TicketGate.Proxy.Postgres.Messages;

namespace TicketGate.Proxy.Postgres.Startup;

/// <summary>An untyped start-up packet: SSLRequest, GSSENCRequest, CancelRequest or StartupMessage.</summary>
internal readonly record struct StartupPacket(int Code, byte[] Body)
{
    // PostgreSQL's own limit for start-up packets.
    public const int MaxLength = 10_000;

    /// <summary>Reads one packet; null when the client closed. Throws <see cref="StartupViolation"/> for a malformed one.</summary>
    public static async ValueTask<(StartupPacket? Packet, long BufferedAfter)> ReadAsync(PipeReader reader, CancellationToken cancellationToken)
    {
        var header = new byte[8];
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (buffer.Length >= 8)
            {
                buffer.Slice(0, 8).CopyTo(header);
                var length = BinaryPrimitives.ReadInt32BigEndian(header);
                if (length < 8 || length > MaxLength)
                {
                    reader.AdvanceTo(buffer.Start, buffer.End);
                    throw new StartupViolation($"invalid start-up packet length {length}");
                }
                if (buffer.Length >= length)
                {
                    var code = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(4));
                    var body = buffer.Slice(8, length - 8).ToArray();
                    var after = buffer.Length - length;
                    reader.AdvanceTo(buffer.GetPosition(length));
                    return (new StartupPacket(code, body), after);
                }
            }
            if (result.IsCompleted)
            {
                reader.AdvanceTo(buffer.End);
                return (null, 0);
            }
            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>The name/value pairs of a StartupMessage.</summary>
    public Dictionary<string, string> ReadParameters()
    {
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        var span = Body.AsSpan();
        var pos = 0;
        while (pos < span.Length && span[pos] != 0)
        {
            pos = MessageFraming.ReadCString(span, pos, out var name);
            if (pos < 0) throw new StartupViolation("malformed start-up message");
            pos = MessageFraming.ReadCString(span, pos, out var value);
            if (pos < 0) throw new StartupViolation("malformed start-up message");
            parameters[Encoding.UTF8.GetString(name)] = Encoding.UTF8.GetString(value);
        }
        return parameters;
    }

    /// <summary>Peeks at the first byte without consuming it: 0x16 is a TLS ClientHello (PostgreSQL 17 direct TLS).</summary>
    public static async ValueTask<int> PeekFirstByteAsync(PipeReader reader, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (!result.Buffer.IsEmpty)
            {
                var first = result.Buffer.FirstSpan[0];
                reader.AdvanceTo(result.Buffer.Start);
                return first;
            }
            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            if (result.IsCompleted) return -1;
        }
    }
}

internal sealed class StartupViolation(string message) : Exception(message);
