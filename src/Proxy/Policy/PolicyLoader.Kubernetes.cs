using TicketGate.Proxy.Configuration;

namespace TicketGate.Proxy.Policy;

public static partial class PolicyLoader
{
    private static readonly string[] KubernetesVerbs = ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"];

    /// <summary>The policy's <c>kubernetes: { default_tier, rules }</c> section; null when absent or when a problem was recorded.</summary>
    private static KubernetesPolicyDefinition? ReadKubernetes(YamlSection? section)
    {
        if (section is null) return null;
        var before = section.Problems.Count;
        var defaultTier = section.Tier("default_tier");
        var rules = new List<KubernetesRuleDefinition>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var ruleSection in section.SectionList("rules") ?? [])
        {
            var rule = ReadKubernetesRule(ruleSection);
            ruleSection.RejectUnknownKeys();
            if (rule is null) continue;
            if (!names.Add(rule.Name))
            {
                ruleSection.Problem("name", $"another Kubernetes rule is already named '{rule.Name}'; rule names must be unique, since verdicts and audit rows cite them");
                continue;
            }
            rules.Add(rule);
        }
        section.RejectUnknownKeys();
        if (section.Problems.Count > before) return null;
        return new KubernetesPolicyDefinition { Rules = rules, DefaultTier = defaultTier ?? Workflows.Approvals.RiskTier.Medium };
    }

    private static KubernetesRuleDefinition? ReadKubernetesRule(YamlSection rule)
    {
        var before = rule.Problems.Count;
        var name = rule.Text("name", required: true);
        if (name is not null && !RuleName().IsMatch(name))
        {
            rule.Problem("name", $"'{name}' is not a usable rule name; use letters, digits, _, . and -");
        }
        else if (name is KubernetesVerdict.DiscoveryRule or KubernetesVerdict.DryRunRule or KubernetesVerdict.ImpersonationRule
                 || (name is not null && PolicyVerdict.IsReservedRuleName(name)))
        {
            rule.Problem("name", $"'{name}' is reserved for verdicts no rule gave; choose another name");
        }
        var verbs = rule.TextList("verbs") ?? [];
        foreach (var verb in verbs)
        {
            if (Array.IndexOf(KubernetesVerbs, verb) < 0) rule.Problem("verbs", $"'{verb}' is not a Kubernetes verb; use {string.Join(", ", KubernetesVerbs)}");
        }
        var clusters = rule.TextList("clusters") ?? [];
        foreach (var glob in clusters)
        {
            if (!NamePattern.IsValid(glob)) rule.Problem("clusters", $"'{glob}' is not a cluster name pattern; use letters, digits, _, ., - and the wildcards * and ?");
        }
        var definition = new KubernetesRuleDefinition
        {
            Name = name ?? "",
            Clusters = clusters,
            Tags = rule.TextMap("tags") ?? new Dictionary<string, string>(),
            Groups = rule.TextList("groups") ?? [],
            Namespaces = rule.TextList("namespaces") ?? [],
            ApiGroups = rule.TextList("api_groups") ?? [],
            Resources = rule.TextList("resources") ?? [],
            Subresources = rule.TextList("subresources") ?? [],
            Verbs = verbs,
            Commands = rule.TextList("commands") ?? [],
            Tier = rule.Tier("tier", required: true) ?? default,
        };
        return rule.Problems.Count > before || name is null ? null : definition;
    }
}
