namespace TicketGate.Workflows.Approvals;

/// <summary>The risk a command carries, as policy rules assign it. The order matters: higher is riskier.</summary>
public enum RiskTier
{
    /// <summary>Passes straight through ("allow").</summary>
    Low = 0,
    /// <summary>Held for approval ("review").</summary>
    Medium = 1,
    /// <summary>Held for approval with a stricter path ("review").</summary>
    High = 2,
    /// <summary>Refused at once ("block").</summary>
    Critical = 3,
}

public static class RiskTierNames
{
    /// <summary>Parses a tier name from policy files or the API: low/medium/high/critical, or the gateway vocabulary allow/review/block.</summary>
    public static bool TryParse(string? text, out RiskTier tier)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "low" or "allow": tier = RiskTier.Low; return true;
            case "medium" or "review": tier = RiskTier.Medium; return true;
            case "high": tier = RiskTier.High; return true;
            case "critical" or "block": tier = RiskTier.Critical; return true;
            default: tier = default; return false;
        }
    }

    public static string ToName(this RiskTier tier) => tier switch
    {
        RiskTier.Low => "low",
        RiskTier.Medium => "medium",
        RiskTier.High => "high",
        RiskTier.Critical => "critical",
        _ => throw new ArgumentOutOfRangeException(nameof(tier)),
    };

    /// <summary>What the data path does with a tier: allow, review (hold) or block.</summary>
    public static string ToAction(this RiskTier tier) => tier switch
    {
        RiskTier.Low => "allow",
        RiskTier.Medium or RiskTier.High => "review",
        _ => "block",
    };
}
