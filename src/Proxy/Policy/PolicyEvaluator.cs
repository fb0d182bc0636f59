using TicketGate.Proxy.Classification;
using TicketGate.Proxy.Configuration;
using TicketGate.Workflows.Approvals;

namespace TicketGate.Proxy.Policy;

/// <summary>
/// Turns classified statements into risk tiers by a <see cref="PolicyDefinition"/>.
/// <para>
/// A statement is judged per class it carries and per table it names: for each (class, table) pair the first rule
/// in file order whose matchers all fit decides, and the statement takes the highest tier over all pairs. Judging
/// tables one by one means a lenient rule for one table can't cover another table in the same statement, and a
/// strict rule for one table can't be diluted by naming more tables. A statement that names no tables is judged
/// once per class, by rules without <c>tables</c> only.
/// </para>
/// Thread-safe and allocation-free per call; build one per policy and share it.
/// </summary>
public sealed class PolicyEvaluator
{
    // Riskiest first, so a tie between classes reports the riskier one.
    private static readonly StatementClass[] ByRisk =
        [StatementClass.Privilege, StatementClass.Admin, StatementClass.Opaque, StatementClass.Ddl, StatementClass.Write, StatementClass.Read];

    private readonly PolicyRule[] rules;

    public PolicyEvaluator(PolicyDefinition definition)
    {
        Definition = definition;
        rules = new PolicyRule[definition.Rules.Count];
        for (var i = 0; i < rules.Length; i++) rules[i] = new PolicyRule(definition.Rules[i]);
    }

    public PolicyDefinition Definition { get; }

    /// <summary>The verdict for one statement run on <paramref name="connection"/> by someone in <paramref name="groups"/>.</summary>
    public PolicyVerdict Evaluate(ConnectionDefinition connection, IReadOnlyList<string> groups, ClassifiedStatement statement)
    {
        // A statement is never without a class; if one comes, nothing is known about it, which is what opaque means.
        var classes = statement.Classes == StatementClass.None ? StatementClass.Opaque : statement.Classes;
        var tables = statement.Tables;
        var best = new PolicyVerdict((RiskTier)(-1), PolicyVerdict.DefaultRule, StatementClass.None);

        foreach (var single in ByRisk)
        {
            if ((classes & single) == 0) continue;
            if (tables.Count == 0)
            {
                best = Higher(best, Decide(connection, groups, single, null));
            }
            for (var t = 0; t < tables.Count; t++)
            {
                best = Higher(best, Decide(connection, groups, single, tables[t]));
                if (best.Tier == RiskTier.Critical) return best;
            }
            if (best.Tier == RiskTier.Critical) return best;
        }
        return best;
    }

    /// <summary>
    /// The verdict for a whole Query or Parse message: the highest over its statements (the first such statement's).
    /// Text that didn't parse is at least Medium ("unparseable"), never Low; a message without statements is Low ("empty").
    /// </summary>
    public PolicyVerdict EvaluateMessage(ConnectionDefinition connection, IReadOnlyList<string> groups, SqlClassification classification)
    {
        var statements = classification.Statements;
        var best = new PolicyVerdict((RiskTier)(-1), PolicyVerdict.EmptyRule, StatementClass.None);
        for (var i = 0; i < statements.Count && best.Tier != RiskTier.Critical; i++)
        {
            best = Higher(best, Evaluate(connection, groups, statements[i]));
        }

        if (!classification.Parsed && best.Tier <= RiskTier.Medium)
        {
            return new PolicyVerdict(RiskTier.Medium, PolicyVerdict.UnparseableRule, StatementClass.Opaque);
        }
        return statements.Count == 0 ? new PolicyVerdict(RiskTier.Low, PolicyVerdict.EmptyRule, StatementClass.None) : best;
    }

    private PolicyVerdict Decide(ConnectionDefinition connection, IReadOnlyList<string> groups, StatementClass single, string? table)
    {
        foreach (var rule in rules)
        {
            // Cheapest tests first: class flags, then tables, then the connection, then group membership.
            if (rule.Covers(single) && rule.AppliesToTable(table) && rule.AppliesTo(connection) && rule.AppliesTo(groups))
            {
                return new PolicyVerdict(rule.Tier, rule.Name, single);
            }
        }
        return new PolicyVerdict(Definition.DefaultTier, PolicyVerdict.DefaultRule, single);
    }

    private static PolicyVerdict Higher(PolicyVerdict current, PolicyVerdict candidate) =>
        candidate.Tier > current.Tier ? candidate : current;
}
