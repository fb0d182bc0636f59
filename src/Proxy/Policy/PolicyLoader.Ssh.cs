using TicketGate.Proxy.Configuration;

namespace TicketGate.Proxy.Policy;

public static partial class PolicyLoader
{
    /// <summary>The <c>ssh:</c> part of a policy: default_tier and rules (name, targets, tags, groups, commands, interactive, tier).</summary>
    private static SshPolicyDefinition? ReadSsh(YamlSection? section)
    {
        if (section is null) return SshPolicyDefinition.Empty;
        var before = section.Problems.Count;
        var defaultTier = section.Tier("default_tier");
        var rules = new List<SshPolicyRuleDefinition>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var rule in section.SectionList("rules") ?? [])
        {
            var name = rule.Text("name", required: true);
            if (name is not null && !RuleName().IsMatch(name)) rule.Problem("name", $"'{name}' is not a usable rule name; use letters, digits, _, . and -");
            else if (name is not null && PolicyVerdict.IsReservedRuleName(name)) rule.Problem("name", $"'{name}' is reserved for verdicts no rule gave; choose another name");
            else if (name is not null && !names.Add(name)) rule.Problem("name", $"another ssh rule is already named '{name}'");
            var targets = rule.TextList("targets") ?? [];
            foreach (var glob in targets)
            {
                if (!NamePattern.IsValid(glob)) rule.Problem("targets", $"'{glob}' is not a target name pattern; use letters, digits, _, ., - and the wildcards * and ?");
            }
            var commands = rule.TextList("commands") ?? [];
            foreach (var pattern in commands)
            {
                if (SshPolicyEvaluator.PatternProblem(pattern) is { } problem) rule.Problem("commands", problem);
            }
            var interactive = rule.Boolean("interactive") ?? false;
            if (interactive && commands.Count > 0) rule.Problem("commands", "an interactive rule speaks about shells, which have no command; drop commands or interactive");
            var tier = rule.Tier("tier", required: true);
            var tags = rule.TextMap("tags") ?? new Dictionary<string, string>();
            var groups = rule.TextList("groups") ?? [];
            rule.RejectUnknownKeys();
            if (name is null || tier is null) continue;
            rules.Add(new SshPolicyRuleDefinition
            {
                Name = name,
                Targets = targets,
                Tags = tags,
                Groups = groups,
                Commands = commands,
                Interactive = interactive,
                Tier = tier.Value,
            });
        }
        section.RejectUnknownKeys();
        if (section.Problems.Count > before) return null;
        return new SshPolicyDefinition { Rules = rules, DefaultTier = defaultTier ?? Workflows.Approvals.RiskTier.Medium };
    }
}
