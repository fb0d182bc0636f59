using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace TicketGate.Proxy.Identity;

/// <summary>
/// Tokens already validated, keyed by their SHA-256 digest (the token itself is never held), until they expire.
/// Agents reconnect with the same token many times; this spares the signature check each time.
/// A key the issuer withdraws stays trusted for tokens cached before, at most until they expire.
/// </summary>
internal sealed class ValidatedTokenCache(int capacity, TimeProvider time)
{
    private readonly ConcurrentDictionary<TokenDigest, Entry> _entries = new();

    public bool TryGet(string token, [NotNullWhen(true)] out TokenValidationOutcome? outcome)
    {
        var digest = TokenDigest.Of(token);
        if (_entries.TryGetValue(digest, out var entry))
        {
            if (time.GetUtcNow() < entry.Until)
            {
                outcome = entry.Outcome;
                return true;
            }
            _entries.TryRemove(digest, out _);
        }
        outcome = null;
        return false;
    }

    public void Remember(string token, TokenValidationOutcome outcome, DateTimeOffset until)
    {
        var now = time.GetUtcNow();
        if (until <= now) return;
        if (_entries.Count >= capacity)
        {
            RemoveExpired(now);
            // Still full of live tokens: validating again is cheaper than an unbounded cache.
            if (_entries.Count >= capacity) return;
        }
        _entries[TokenDigest.Of(token)] = new Entry(outcome, until);
    }

    internal int Count => _entries.Count;

    private void RemoveExpired(DateTimeOffset now)
    {
        foreach (var pair in _entries)
        {
            if (pair.Value.Until <= now) _entries.TryRemove(pair);
        }
    }

    private readonly record struct Entry(TokenValidationOutcome Outcome, DateTimeOffset Until);

    private readonly record struct TokenDigest(UInt128 High, UInt128 Low)
    {
        public static TokenDigest Of(string token)
        {
            // Hashing the UTF-16 chars directly avoids encoding; the digest only has to be unique, not interoperable.
            Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(MemoryMarshal.AsBytes(token.AsSpan()), hash);
            return new TokenDigest(MemoryMarshal.Read<UInt128>(hash), MemoryMarshal.Read<UInt128>(hash[16..]));
        }
    }
}
