namespace TicketGate.Integrations.Resilience;

/// <summary>Retry and circuit settings for one ticket system. The defaults follow the contract: base 1 s, cap 60 s, 6 attempts.</summary>
public sealed class TicketChannelOptions
{
    public int MaxRetryAttempts { get; init; } = 5;
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>A Retry-After longer than this is not waited out: the call fails with the 429 so the workflow can decide.</summary>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromSeconds(120);
    public double FailureRatio { get; init; } = 0.5;
    public int MinimumThroughput { get; init; } = 5;
    public TimeSpan SamplingDuration { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan BreakDuration { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>How long one HTTP attempt may take before it counts as a network failure.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
