using TicketGate.Proxy.Identity;

namespace TicketGate.Tests.Identity;

public sealed class ValidatedTokenCacheTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    [Fact]
    public void Cached_token_is_forgotten_once_it_expires()
    {
        var clock = new SettableClock(Now);
        var cache = new ValidatedTokenCache(capacity: 10, clock);
        cache.Remember("token-a", Accepted("a"), Now.AddMinutes(1));

        Assert.True(cache.TryGet("token-a", out var hit));
        Assert.Equal("a", hit.Identity?.Subject);
        Assert.False(cache.TryGet("token-b", out _));

        clock.Now = Now.AddMinutes(1);
        Assert.False(cache.TryGet("token-a", out _));
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void Full_cache_makes_room_from_expired_entries_and_otherwise_stops_growing()
    {
        var clock = new SettableClock(Now);
        var cache = new ValidatedTokenCache(capacity: 3, clock);
        cache.Remember("short-1", Accepted("s1"), Now.AddSeconds(10));
        cache.Remember("short-2", Accepted("s2"), Now.AddSeconds(10));
        cache.Remember("long-1", Accepted("l1"), Now.AddHours(1));

        cache.Remember("refused-while-full", Accepted("x"), Now.AddHours(1));
        clock.Now = Now.AddSeconds(20);
        cache.Remember("after-expiry", Accepted("y"), Now.AddHours(1));

        Assert.False(cache.TryGet("refused-while-full", out _));
        Assert.True(cache.TryGet("after-expiry", out _));
        Assert.True(cache.TryGet("long-1", out _));
        Assert.Equal(2, cache.Count);
    }

    private static TokenValidationOutcome Accepted(string subject) =>
        TokenValidationOutcome.Accepted(new AgentIdentity(subject, [], Now.AddHours(1), "http://issuer"));

    private sealed class SettableClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;
        public override DateTimeOffset GetUtcNow() => Now;
    }
}
