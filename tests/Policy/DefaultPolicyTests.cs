using TicketGate.Proxy.Classification;
using TicketGate.Proxy.Policy;
using TicketGate.Workflows.Approvals;
using static TicketGate.Tests.Policy.PolicyScenario;

namespace TicketGate.Tests.Policy;

public sealed class DefaultPolicyTests
{
    private static readonly PolicyEvaluator Policy = new(DefaultPolicy.Definition);
    private static readonly TicketGate.Proxy.Configuration.ConnectionDefinition Staging = Connection("shop-staging", ("env", "staging"));
    private static readonly TicketGate.Proxy.Configuration.ConnectionDefinition Prod = Connection("shop-prod", ("env", "prod"));

    [Theory]
    [InlineData(StatementClass.Read, RiskTier.Low)]
    [InlineData(StatementClass.Write, RiskTier.Medium)]
    [InlineData(StatementClass.Ddl, RiskTier.Medium)]
    [InlineData(StatementClass.Opaque, RiskTier.Medium)]
    [InlineData(StatementClass.Admin, RiskTier.High)]
    [InlineData(StatementClass.Privilege, RiskTier.Critical)]
    public void Gives_the_expected_tier_per_class_outside_production(StatementClass single, RiskTier tier) =>
        Assert.Equal(tier, Policy.Evaluate(Staging, NoGroups, Statement(single, "orders")).Tier);

    [Fact]
    public void Schema_changes_on_production_take_the_stricter_path()
    {
        var verdict = Policy.Evaluate(Prod, NoGroups, Statement(StatementClass.Ddl, "orders"));
        Assert.Equal(new PolicyVerdict(RiskTier.High, "production-schema-changes", StatementClass.Ddl), verdict);
        Assert.Equal(RiskTier.Low, Policy.Evaluate(Prod, NoGroups, Statement(StatementClass.Read, "orders")).Tier);
    }

    [Fact]
    public void Is_embedded_with_its_comments_and_holds_by_default()
    {
        Assert.Contains("# TicketGate's built-in policy", DefaultPolicy.Yaml);
        Assert.Equal(RiskTier.Medium, DefaultPolicy.Definition.DefaultTier);
        Assert.Equal(7, DefaultPolicy.Definition.Rules.Count);
    }
}
