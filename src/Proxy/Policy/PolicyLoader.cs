using System.Text.RegularExpressions;
using TicketGate.Proxy.Classification;
using TicketGate.Proxy.Configuration;
using TicketGate.Workflows.Approvals;

namespace TicketGate.Proxy.Policy;

/// <summary>
/// Reads a policy: the <c>policy:</c> section of a config file, or a standalone policy file with the same keys at its top
/// (default_tier, safe_functions, rules). Problems are reported as <see cref="ConfigurationException"/>.
/// </summary>
public static partial class PolicyLoader
{
    public static PolicyDefinition Load(string path)
    {
        var full = Path.GetFullPath(path);
        string yaml;
        try
        {
            yaml = File.ReadAllText(full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException(path, [new ConfigurationProblem("", 0, 0, $"can't read the policy file: {e.Message}")]);
        }
        return LoadFromYaml(yaml, path);
    }

    public static PolicyDefinition LoadFromYaml(string yaml, string sourceName)
    {
        var problems = new List<ConfigurationProblem>();
        var root = YamlSection.ParseDocument(yaml, Directory.GetCurrentDirectory(), problems);
        var policy = root is null ? null : Read(root, checkAgainst: null);
        root?.RejectUnknownKeys();
        if (problems.Count > 0 || policy is null) throw new ConfigurationException(sourceName, problems);
        return policy;
    }

    /// <summary>
    /// Reads the policy keys of <paramref name="section"/>. With <paramref name="checkAgainst"/>, a rule whose connections
    /// and tags fit none of those connections is a problem: written beside the connections, that is almost always a typo.
    /// Returns null when a problem was recorded.
    /// </summary>
    internal static PolicyDefinition? Read(YamlSection section, IReadOnlyDictionary<string, ConnectionDefinition>? checkAgainst)
    {
        var before = section.Problems.Count;
        var defaultTier = section.Tier("default_tier");
        var safeFunctions = section.TextList("safe_functions") ?? [];
        for (var i = 0; i < safeFunctions.Count; i++)
        {
            if (!FunctionName().IsMatch(safeFunctions[i]))
            {
                section.Problem("safe_functions", $"'{safeFunctions[i]}' is not a function name; write name or schema.name");
            }
        }

        var kubernetes = ReadKubernetes(section.Section("kubernetes"));
        var ssh = ReadSsh(section.Section("ssh"));
        var rules = new List<PolicyRuleDefinition>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var ruleSection in section.SectionList("rules") ?? [])
        {
            var rule = ReadRule(ruleSection);
            ruleSection.RejectUnknownKeys();
            if (rule is null) continue;
            if (!names.Add(rule.Name))
            {
                ruleSection.Problem("name", $"another rule is already named '{rule.Name}'; rule names must be unique, since verdicts and audit rows cite them");
                continue;
            }
            if (checkAgainst is not null && !FitsAnyConnection(rule, checkAgainst))
            {
                ruleSection.Problem($"rule '{rule.Name}' can never apply: its connections and tags fit none of the connections defined ({string.Join(", ", checkAgainst.Keys)})");
            }
            rules.Add(rule);
        }

        if (section.Problems.Count > before || ssh is null) return null;
        return new PolicyDefinition
        {
            Rules = rules,
            Ssh = ssh,
            DefaultTier = defaultTier ?? RiskTier.Medium,
            SafeFunctions = safeFunctions,
            Kubernetes = kubernetes,
        };
    }

    private static PolicyRuleDefinition? ReadRule(YamlSection rule)
    {
        var before = rule.Problems.Count;
        var name = rule.Text("name", required: true);
        if (name is not null && !RuleName().IsMatch(name))
        {
            rule.Problem("name", $"'{name}' is not a usable rule name; use letters, digits, _, . and -");
        }
        else if (name is not null && PolicyVerdict.IsReservedRuleName(name))
        {
            rule.Problem("name", $"'{name}' is reserved for verdicts no rule gave; choose another name");
        }

        var connections = rule.TextList("connections") ?? [];
        foreach (var glob in connections)
        {
            if (!NamePattern.IsValid(glob)) rule.Problem("connections", $"'{glob}' is not a connection name pattern; use letters, digits, _, ., - and the wildcards * and ?");
        }
        var tags = rule.TextMap("tags") ?? new Dictionary<string, string>();
        var groups = rule.TextList("groups") ?? [];
        var classes = rule.TextList("classes") ?? [];
        foreach (var c in classes)
        {
            if (!StatementClassNames.TryParse(c, out _)) rule.Problem("classes", $"'{c}' is not a statement class; use read, write, ddl, privilege, admin or opaque");
        }
        var tables = rule.TextList("tables") ?? [];
        foreach (var t in tables)
        {
            if (TablePattern.Problem(t) is { } problem) rule.Problem("tables", problem);
        }
        var tier = rule.Tier("tier", required: true);

        if (rule.Problems.Count > before || name is null || tier is null) return null;
        return new PolicyRuleDefinition
        {
            Name = name,
            Connections = connections,
            Tags = tags,
            Groups = groups,
            Classes = [.. classes.Select(c => c.ToLowerInvariant())],
            Tables = tables,
            Tier = tier.Value,
        };
    }

    private static bool FitsAnyConnection(PolicyRuleDefinition definition, IReadOnlyDictionary<string, ConnectionDefinition> connections)
    {
        if (definition.Connections.Count == 0 && definition.Tags.Count == 0) return true;
        var rule = new PolicyRule(definition);
        foreach (var connection in connections.Values)
        {
            if (rule.AppliesTo(connection)) return true;
        }
        return false;
    }

    [GeneratedRegex("^[A-Za-z0-9_.-]+$")]
    private static partial Regex RuleName();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?$")]
    private static partial Regex FunctionName();
}
