using System.Security.Cryptography;
using System.Text;

namespace TicketGate.Integrations.Webhooks;

/// <summary>Constant-time comparisons of what a sender presented with what is configured.</summary>
public static class SharedSecret
{
    /// <summary>Compares hashes, so neither the content nor the length of the secret leaks through timing.</summary>
    public static bool Matches(string? presented, string expected)
    {
        if (presented is null || expected.Length == 0) return false;
        Span<byte> a = stackalloc byte[32];
        Span<byte> b = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(presented), a);
        SHA256.HashData(Encoding.UTF8.GetBytes(expected), b);
        return CryptographicOperations.FixedTimeEquals(a, b);
    }

    /// <summary>Checks "sha256=&lt;hex&gt;" against the HMAC-SHA256 of the raw body bytes.</summary>
    public static bool SignatureMatches(string? header, ReadOnlySpan<byte> body, string secret)
    {
        const string prefix = "sha256=";
        if (header is null || !header.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) || header.Length != prefix.Length + 64) return false;
        Span<byte> presented = stackalloc byte[32];
        if (Convert.FromHexString(header.AsSpan(prefix.Length), presented, out _, out var written) != System.Buffers.OperationStatus.Done
            || written != 32)
        {
            return false;
        }
        Span<byte> expected = stackalloc byte[32];
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body, expected);
        return CryptographicOperations.FixedTimeEquals(presented, expected);
    }

    /// <summary>The header value a sender with <paramref name="secret"/> puts on <paramref name="body"/>.</summary>
    public static string Sign(ReadOnlySpan<byte> body, string secret) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));
}
