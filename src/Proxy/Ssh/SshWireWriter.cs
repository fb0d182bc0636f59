using System.Buffers.Binary;
using System.Text;

namespace TicketGate.Proxy.Ssh;

/// <summary>Writes the SSH wire encoding of RFC 4251 §5 (uint32, uint64, string, mpint) that keys, signatures and certificates use.</summary>
internal sealed class SshWireWriter
{
    private readonly MemoryStream _buffer = new();

    public SshWireWriter UInt32(uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        _buffer.Write(bytes);
        return this;
    }

    public SshWireWriter UInt64(ulong value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
        _buffer.Write(bytes);
        return this;
    }

    public SshWireWriter String(ReadOnlySpan<byte> value)
    {
        UInt32((uint)value.Length);
        _buffer.Write(value);
        return this;
    }

    public SshWireWriter String(string value) => String(Encoding.UTF8.GetBytes(value));

    /// <summary>A non-negative big-endian integer: leading zeros dropped, one zero byte added when the top bit is set.</summary>
    public SshWireWriter MPInt(ReadOnlySpan<byte> unsignedBigEndian)
    {
        var start = 0;
        while (start < unsignedBigEndian.Length && unsignedBigEndian[start] == 0) start++;
        var value = unsignedBigEndian[start..];
        if (value.Length > 0 && (value[0] & 0x80) != 0)
        {
            UInt32((uint)value.Length + 1);
            _buffer.WriteByte(0);
            _buffer.Write(value);
            return this;
        }
        return String(value);
    }

    public byte[] ToArray() => _buffer.ToArray();
}

/// <summary>Reads the SSH wire encoding; every read checks the bounds, so a malformed blob ends in <see cref="FormatException"/>.</summary>
internal ref struct SshWireReader(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _position;

    public readonly int Position => _position;
    public readonly bool AtEnd => _position == _data.Length;

    public uint UInt32()
    {
        if (_data.Length - _position < 4) throw new FormatException("the SSH blob ends inside a uint32");
        var value = BinaryPrimitives.ReadUInt32BigEndian(_data[_position..]);
        _position += 4;
        return value;
    }

    public ulong UInt64()
    {
        if (_data.Length - _position < 8) throw new FormatException("the SSH blob ends inside a uint64");
        var value = BinaryPrimitives.ReadUInt64BigEndian(_data[_position..]);
        _position += 8;
        return value;
    }

    public ReadOnlySpan<byte> String()
    {
        var length = UInt32();
        if (length > (uint)(_data.Length - _position)) throw new FormatException("an SSH string runs past the end of the blob");
        var value = _data.Slice(_position, (int)length);
        _position += (int)length;
        return value;
    }

    public string Text() => Encoding.UTF8.GetString(String());

    /// <summary>An mpint as unsigned big-endian bytes of exactly <paramref name="size"/> (left-padded), for ECDSA r and s.</summary>
    public byte[] MPIntFixed(int size)
    {
        var value = String();
        if (value.Length > 0 && (value[0] & 0x80) != 0) throw new FormatException("a negative mpint where a signature value belongs");
        while (value.Length > 0 && value[0] == 0) value = value[1..];
        if (value.Length > size) throw new FormatException("an mpint is larger than the curve allows");
        var result = new byte[size];
        value.CopyTo(result.AsSpan(size - value.Length));
        return result;
    }
}
