using Microsoft.AspNetCore.Http;

namespace TicketGate.Tests.Fakes;

public enum FaultKind
{
    /// <summary>Answer with a status (429, 500, 503…) and the vendor's error body, without running the handler.</summary>
    Status,
    /// <summary>Run the handler (the write is committed), then drop the connection before the answer leaves.</summary>
    LoseResponse,
    /// <summary>Wait, then run the handler normally.</summary>
    Delay,
}

public sealed record FaultRule(FaultKind Kind, Func<HttpRequest, bool> Matches, int Status = 0, string? RetryAfter = null,
    TimeSpan Delay = default)
{
    public int Remaining { get; set; }
}

/// <summary>Faults a test arms on a fake; each rule fires for its next N matching requests, in the order they were armed.</summary>
public sealed class FaultPlan
{
    private readonly List<FaultRule> _rules = [];
    private readonly Lock _lock = new();

    public static Func<HttpRequest, bool> Any => _ => true;

    public static Func<HttpRequest, bool> On(string method, string pathPrefix) =>
        r => string.Equals(r.Method, method, StringComparison.OrdinalIgnoreCase) && r.Path.Value!.StartsWith(pathPrefix, StringComparison.Ordinal);

    /// <summary>429 with Retry-After: a number of seconds, or an HTTP date.</summary>
    public void Throttle(int times, string retryAfter, Func<HttpRequest, bool>? match = null) =>
        Add(new FaultRule(FaultKind.Status, match ?? Any, 429, retryAfter) { Remaining = times });

    public void Fail(int times, int status, Func<HttpRequest, bool>? match = null) =>
        Add(new FaultRule(FaultKind.Status, match ?? Any, status) { Remaining = times });

    public void LoseResponse(int times, Func<HttpRequest, bool> match) =>
        Add(new FaultRule(FaultKind.LoseResponse, match) { Remaining = times });

    public void Slow(int times, TimeSpan delay, Func<HttpRequest, bool>? match = null) =>
        Add(new FaultRule(FaultKind.Delay, match ?? Any, Delay: delay) { Remaining = times });

    public void Clear()
    {
        lock (_lock) _rules.Clear();
    }

    internal FaultRule? Take(HttpRequest request)
    {
        lock (_lock)
        {
            foreach (var rule in _rules)
            {
                if (rule.Remaining <= 0 || !rule.Matches(request)) continue;
                rule.Remaining--;
                return rule;
            }
            return null;
        }
    }

    private void Add(FaultRule rule)
    {
        lock (_lock) _rules.Add(rule);
    }
}
