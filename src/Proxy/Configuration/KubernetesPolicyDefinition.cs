using TicketGate.Workflows.Approvals;

namespace TicketGate.Proxy.Configuration;

/// <summary>The policy's <c>kubernetes:</c> section: rules for API requests, judged in file order, first match decides.</summary>
public sealed class KubernetesPolicyDefinition
{
    public IReadOnlyList<KubernetesRuleDefinition> Rules { get; init; } = [];
    /// <summary>The tier when no rule matches.</summary>
    public RiskTier DefaultTier { get; init; } = RiskTier.Medium;
}

/// <summary>A Kubernetes policy rule: every non-empty matcher must match.</summary>
public sealed class KubernetesRuleDefinition
{
    public required string Name { get; init; }
    /// <summary>Cluster name globs.</summary>
    public IReadOnlyList<string> Clusters { get; init; } = [];
    /// <summary>Cluster tags that must all be present with these values (env: prod).</summary>
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();
    /// <summary>The identity must be in at least one of these groups.</summary>
    public IReadOnlyList<string> Groups { get; init; } = [];
    /// <summary>Namespace globs; a cluster-scoped request (no namespace) never matches a rule that names namespaces.</summary>
    public IReadOnlyList<string> Namespaces { get; init; } = [];
    /// <summary>API groups ("" or "core" for the core group, "apps", "rbac.authorization.k8s.io").</summary>
    public IReadOnlyList<string> ApiGroups { get; init; } = [];
    /// <summary>Resource globs ("pods", "secrets", "deployments").</summary>
    public IReadOnlyList<string> Resources { get; init; } = [];
    /// <summary>Subresources (exec, attach, portforward, log, status, scale…); a rule naming them never matches a request without one.</summary>
    public IReadOnlyList<string> Subresources { get; init; } = [];
    /// <summary>get, list, watch, create, update, patch, delete, deletecollection.</summary>
    public IReadOnlyList<string> Verbs { get; init; } = [];
    /// <summary>Globs over an exec's command line (its words joined by spaces); a rule naming them matches only exec requests.</summary>
    public IReadOnlyList<string> Commands { get; init; } = [];
    public required RiskTier Tier { get; init; }
}
