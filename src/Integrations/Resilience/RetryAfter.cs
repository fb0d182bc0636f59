using System.Globalization;
using RestSharp;

namespace TicketGate.Integrations.Resilience;

/// <summary>How long a throttled system asked us to wait: Retry-After (seconds or HTTP date), else X-RateLimit-Reset (ISO or UNIX time).</summary>
public static class RetryAfter
{
    public static TimeSpan? From(RestResponse response, DateTimeOffset now)
    {
        var retryAfter = Header(response, "Retry-After");
        if (retryAfter is not null)
        {
            if (int.TryParse(retryAfter, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)) return TimeSpan.FromSeconds(seconds);
            if (DateTimeOffset.TryParseExact(retryAfter, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
            {
                return Positive(at - now);
            }
        }
        var reset = Header(response, "X-RateLimit-Reset");
        if (reset is not null)
        {
            if (long.TryParse(reset, NumberStyles.None, CultureInfo.InvariantCulture, out var unix))
            {
                return Positive(DateTimeOffset.FromUnixTimeSeconds(unix) - now);
            }
            if (DateTimeOffset.TryParse(reset, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)) return Positive(at - now);
        }
        return null;
    }

    private static TimeSpan Positive(TimeSpan wait) => wait < TimeSpan.Zero ? TimeSpan.Zero : wait;

    private static string? Header(RestResponse response, string name)
    {
        if (response.Headers is null) return null;
        foreach (var header in response.Headers)
        {
            if (string.Equals(header.Name, name, StringComparison.OrdinalIgnoreCase)) return header.Value?.Trim();
        }
        return null;
    }
}
