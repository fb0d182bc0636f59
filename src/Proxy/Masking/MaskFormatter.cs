using System.Security.Cryptography;
using TicketGate.Proxy.Configuration;

namespace TicketGate.Proxy.Masking;

/// <summary>
/// Writes the text that stands in for a masked value, in a style: "****", "****1234" or "hash:0123456789abcdef". One per session
/// (not thread-safe): it keeps its keyed HMAC, so hashing a value doesn't set the key up again each time.
/// </summary>
internal sealed class MaskFormatter(byte[]? hashKey) : IDisposable
{
    private readonly HMACSHA256? _hmac = hashKey is null ? null : new HMACSHA256(hashKey);

    /// <summary>The longest replacement written, quotes for JSON included.</summary>
    public const int MaxLength = 24;

    private static ReadOnlySpan<byte> Stars => "****"u8;
    private static ReadOnlySpan<byte> HashPrefix => "hash:"u8;

    /// <summary>Writes the replacement of <paramref name="value"/>; as a JSON string when <paramref name="json"/>. Returns the bytes written.</summary>
    public int Write(ReadOnlySpan<byte> value, MaskStyle style, Span<byte> destination, bool json = false)
    {
        var pos = 0;
        if (json) destination[pos++] = (byte)'"';
        switch (style)
        {
            case MaskStyle.LastFour:
                Stars.CopyTo(destination[pos..]);
                pos += 4;
                pos += LastFour(value, destination[pos..]);
                break;
            case MaskStyle.Hash when _hmac is not null:
                HashPrefix.CopyTo(destination[pos..]);
                pos += HashPrefix.Length;
                Span<byte> mac = stackalloc byte[32];
                _hmac.TryComputeHash(value, mac, out _);
                for (var i = 0; i < 8; i++)
                {
                    destination[pos++] = Hex(mac[i] >> 4);
                    destination[pos++] = Hex(mac[i] & 0xF);
                }
                break;
            default:
                Stars.CopyTo(destination[pos..]);
                pos += 4;
                break;
        }
        if (json) destination[pos++] = (byte)'"';
        return pos;
    }

    /// <summary>The last four letters or digits, when the value has at least eight (else showing four would show too much).</summary>
    private static int LastFour(ReadOnlySpan<byte> value, Span<byte> destination)
    {
        Span<byte> kept = stackalloc byte[4];
        var count = 0;
        var total = 0;
        for (var i = value.Length - 1; i >= 0; i--)
        {
            var c = value[i];
            if (!((uint)(c - '0') <= 9 || (uint)((c | 0x20) - 'a') <= 'z' - 'a')) continue;
            total++;
            if (count < 4) kept[3 - count++] = c;
        }
        if (total < 8 || count < 4) return 0;
        kept.CopyTo(destination);
        return 4;
    }

    public void Dispose() => _hmac?.Dispose();

    private static byte Hex(int nibble) => (byte)(nibble < 10 ? '0' + nibble : 'a' + nibble - 10);
}
