using TicketGate.Proxy.Classification;
using TicketGate.Proxy.Configuration;
using TicketGate.Workflows.Approvals;

namespace TicketGate.Proxy.Policy;

/// <summary>A rule of <see cref="PolicyRuleDefinition"/> compiled for evaluation: globs parsed, classes as flags, groups in a set.</summary>
internal sealed class PolicyRule
{
    private readonly StatementClass classes;
    private readonly NameGlob[] connections;
    private readonly KeyValuePair<string, string>[] tags;
    private readonly HashSet<string>? groups;
    private readonly TablePattern[] tables;

    public PolicyRule(PolicyRuleDefinition definition)
    {
        Name = definition.Name;
        Tier = definition.Tier;
        foreach (var name in definition.Classes)
        {
            if (!StatementClassNames.TryParse(name, out var single))
            {
                throw new ArgumentException($"Policy rule '{definition.Name}' names an unknown statement class '{name}'.", nameof(definition));
            }
            classes |= single;
        }
        connections = [.. definition.Connections.Select(c => new NameGlob(c))];
        tags = [.. definition.Tags];
        groups = definition.Groups.Count == 0 ? null : new HashSet<string>(definition.Groups, StringComparer.Ordinal);
        tables = [.. definition.Tables.Select(t => new TablePattern(t))];
    }

    public string Name { get; }
    public RiskTier Tier { get; }
    public bool HasTables => tables.Length > 0;

    public bool Covers(StatementClass single) => classes == StatementClass.None || (classes & single) != 0;

    /// <summary>Connection globs (any) and tags (all, values compared without regard to case).</summary>
    public bool AppliesTo(ConnectionDefinition connection)
    {
        if (connections.Length > 0)
        {
            var any = false;
            for (var i = 0; i < connections.Length && !any; i++) any = connections[i].IsMatch(connection.Name);
            if (!any) return false;
        }
        for (var i = 0; i < tags.Length; i++)
        {
            if (!connection.Tags.TryGetValue(tags[i].Key, out var value)
                || !string.Equals(value, tags[i].Value, StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>True when the rule names no groups, or the identity is in at least one of them (exact, case-sensitive names).</summary>
    public bool AppliesTo(IReadOnlyList<string> identityGroups)
    {
        if (groups is null) return true;
        for (var i = 0; i < identityGroups.Count; i++)
        {
            if (groups.Contains(identityGroups[i])) return true;
        }
        return false;
    }

    /// <summary>
    /// Whether the rule speaks about this one table (null: the statement names none). A rule without tables speaks
    /// about every table; a rule with tables never about a statement that names none.
    /// </summary>
    public bool AppliesToTable(string? table)
    {
        if (tables.Length == 0) return true;
        if (table is null) return false;
        for (var i = 0; i < tables.Length; i++)
        {
            if (tables[i].IsMatch(table)) return true;
        }
        return false;
    }
}
