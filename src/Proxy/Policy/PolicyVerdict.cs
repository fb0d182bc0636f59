using TicketGate.Proxy.Classification;
using TicketGate.Workflows.Approvals;

namespace TicketGate.Proxy.Policy;

/// <summary>What the policy decided: the tier, the rule that set it, and the statement class it was decided for.</summary>
public readonly record struct PolicyVerdict(RiskTier Tier, string Rule, StatementClass Class)
{
    /// <summary>Rule name when no rule matched and the policy's default tier applied.</summary>
    public const string DefaultRule = "default";
    /// <summary>Rule name when the text didn't parse: such text is held for review at least, whatever the rules say.</summary>
    public const string UnparseableRule = "unparseable";
    /// <summary>Rule name for a message with no statements (an empty query).</summary>
    public const string EmptyRule = "empty";

    /// <summary>Names no rule in a policy file may take, since verdicts already use them.</summary>
    public static bool IsReservedRuleName(string name) => name is DefaultRule or UnparseableRule or EmptyRule;
}
