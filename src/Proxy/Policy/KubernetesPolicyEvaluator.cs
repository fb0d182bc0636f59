using TicketGate.Proxy.Configuration;
using TicketGate.Proxy.Kubernetes.Requests;
using TicketGate.Workflows.Approvals;

namespace TicketGate.Proxy.Policy;

/// <summary>
/// Turns Kubernetes API requests into risk tiers by the policy's <c>kubernetes:</c> rules (the built-in ones when the policy has
/// none). Before the rules: discovery reads are low, then a request that tries to impersonate is critical, dryRun=All requests are low.
/// Thread-safe; build one per policy and share it.
/// </summary>
public sealed class KubernetesPolicyEvaluator
{
    private readonly KubernetesPolicyRule[] _rules;
    private readonly RiskTier _defaultTier;

    public KubernetesPolicyEvaluator(PolicyDefinition policy)
    {
        var definition = policy.Kubernetes ?? DefaultPolicy.Definition.Kubernetes ?? new KubernetesPolicyDefinition();
        _defaultTier = definition.DefaultTier;
        _rules = [.. definition.Rules.Select(r => new KubernetesPolicyRule(r))];
    }

    /// <param name="impersonates">The agent sent Impersonate-* headers of its own.</param>
    public KubernetesVerdict Evaluate(KubernetesClusterDefinition cluster, IReadOnlyList<string> groups, KubernetesRequest request, bool impersonates)
    {
        // Discovery is answered for the agent itself (TicketGate drops the agent's Impersonate-* headers) and kubectl shows
        // refusals there only as "unknown", so impersonation is refused on the resource requests that follow, where kubectl prints why.
        if (!request.IsResourceRequest && request.Verb is "get" or "head")
        {
            return new KubernetesVerdict(RiskTier.Low, KubernetesVerdict.DiscoveryRule);
        }
        if (impersonates) return new KubernetesVerdict(RiskTier.Critical, KubernetesVerdict.ImpersonationRule);
        if (request.DryRun) return new KubernetesVerdict(RiskTier.Low, KubernetesVerdict.DryRunRule);

        var commandLine = request.Command.Count == 0 ? "" : string.Join(' ', request.Command);
        foreach (var rule in _rules)
        {
            if (rule.Matches(cluster, groups, request, commandLine)) return new KubernetesVerdict(rule.Tier, rule.Name);
        }
        return new KubernetesVerdict(_defaultTier, PolicyVerdict.DefaultRule);
    }
}
