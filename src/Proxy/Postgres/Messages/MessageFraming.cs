using System.Buffers;
using System.Buffers.Binary;

namespace TicketGate.Proxy.Postgres.Messages;

/// <summary>Finds typed messages (1-byte code, 4-byte length) in a byte sequence without copying.</summary>
internal static class MessageFraming
{
    /// <summary>
    /// Reads the header of the message at the start of <paramref name="buffer"/>. Returns false when fewer than 5 bytes are there.
    /// <paramref name="totalLength"/> is the whole message including its code byte.
    /// </summary>
    public static bool TryReadHeader(in ReadOnlySequence<byte> buffer, out byte code, out int totalLength)
    {
        if (buffer.Length < 5)
        {
            code = 0;
            totalLength = 0;
            return false;
        }
        Span<byte> header = stackalloc byte[5];
        var first = buffer.FirstSpan;
        if (first.Length >= 5) first[..5].CopyTo(header);
        else buffer.Slice(0, 5).CopyTo(header);
        code = header[0];
        var length = BinaryPrimitives.ReadInt32BigEndian(header[1..]);
        totalLength = length < 4 ? -1 : length + 1;
        return true;
    }

    /// <summary>The body of a message as one span: the sequence's own memory when contiguous, else copied into <paramref name="scratch"/>.</summary>
    public static ReadOnlySpan<byte> Contiguous(in ReadOnlySequence<byte> body, ref byte[]? scratch)
    {
        if (body.IsSingleSegment) return body.FirstSpan;
        var length = (int)body.Length;
        if (scratch is null || scratch.Length < length)
        {
            if (scratch is not null) ArrayPool<byte>.Shared.Return(scratch);
            scratch = ArrayPool<byte>.Shared.Rent(length);
        }
        body.CopyTo(scratch);
        return scratch.AsSpan(0, length);
    }

    /// <summary>Reads a null-terminated string's bytes starting at <paramref name="offset"/>; returns the offset after the terminator, or -1.</summary>
    public static int ReadCString(ReadOnlySpan<byte> span, int offset, out ReadOnlySpan<byte> value)
    {
        var end = span[offset..].IndexOf((byte)0);
        if (end < 0)
        {
            value = default;
            return -1;
        }
        value = span.Slice(offset, end);
        return offset + end + 1;
    }
}
