using TicketGate.Workflows.Approvals;

namespace TicketGate.Proxy.Policy;

/// <summary>What the policy decided for a Kubernetes API request: the tier and the rule that set it.</summary>
public readonly record struct KubernetesVerdict(RiskTier Tier, string Rule)
{
    /// <summary>Rule name for discovery and other non-resource reads (/version, /api, /apis, /openapi): always allowed.</summary>
    public const string DiscoveryRule = "discovery";
    /// <summary>Rule name for dryRun=All requests: the API server persists nothing, so they pass.</summary>
    public const string DryRunRule = "dry-run";
    /// <summary>Rule name for requests carrying Impersonate-* headers: an agent never acts as someone else.</summary>
    public const string ImpersonationRule = "impersonation";
}
