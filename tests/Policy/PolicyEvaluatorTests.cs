using TicketGate.Proxy.Classification;
using TicketGate.Proxy.Policy;
using TicketGate.Workflows.Approvals;
using static TicketGate.Tests.Policy.PolicyScenario;

namespace TicketGate.Tests.Policy;

public sealed class PolicyEvaluatorTests
{
    private static readonly IReadOnlyList<string> Dba = ["developers", "dba"];

    private static PolicyEvaluator Policy(string yaml) => new(PolicyLoader.LoadFromYaml(yaml, "policy.yaml"));

    [Fact]
    public void First_rule_in_file_order_decides()
    {
        const string exceptionFirst = """
            rules:
              - { name: staging-writes, connections: [staging-*], classes: [write], tier: low }
              - { name: writes, classes: [write], tier: high }
            """;
        var staging = Connection("staging-shop");
        var write = Statement(StatementClass.Write, "orders");

        Assert.Equal(new PolicyVerdict(RiskTier.Low, "staging-writes", StatementClass.Write), Policy(exceptionFirst).Evaluate(staging, NoGroups, write));
        Assert.Equal(new PolicyVerdict(RiskTier.High, "writes", StatementClass.Write), Policy(exceptionFirst).Evaluate(Connection("prod-shop"), NoGroups, write));

        var generalFirst = """
            rules:
              - { name: writes, classes: [write], tier: high }
              - { name: staging-writes, connections: [staging-*], classes: [write], tier: low }
            """;
        Assert.Equal("writes", Policy(generalFirst).Evaluate(staging, NoGroups, write).Rule);
    }

    [Fact]
    public void Statement_takes_the_highest_tier_over_its_classes()
    {
        var policy = Policy("""
            rules:
              - { name: reads, classes: [read], tier: low }
              - { name: writes, classes: [write], tier: high }
            """);
        var deletingCte = Statement(StatementClass.Read | StatementClass.Write, "orders");

        Assert.Equal(new PolicyVerdict(RiskTier.High, "writes", StatementClass.Write), policy.Evaluate(Connection("shop"), NoGroups, deletingCte));
    }

    [Fact]
    public void Tie_between_classes_names_the_riskier_class()
    {
        var policy = Policy("rules: [{ name: anything, tier: medium }]");
        var verdict = policy.Evaluate(Connection("shop"), NoGroups, Statement(StatementClass.Read | StatementClass.Ddl, "orders"));
        Assert.Equal(StatementClass.Ddl, verdict.Class);
    }

    [Fact]
    public void No_matching_rule_gives_the_default_tier()
    {
        var policy = Policy("""
            default_tier: high
            rules: [{ name: reads, classes: [read], tier: low }]
            """);
        var verdict = policy.Evaluate(Connection("shop"), NoGroups, Statement(StatementClass.Write, "orders"));
        Assert.Equal(new PolicyVerdict(RiskTier.High, PolicyVerdict.DefaultRule, StatementClass.Write), verdict);
    }

    [Fact]
    public void Lenient_rule_for_one_table_does_not_carry_another_table_in_the_same_statement()
    {
        var policy = Policy("""
            rules:
              - { name: dba-scratch, groups: [dba], tables: [staging.tmp_*], classes: [write], tier: low }
              - { name: writes, classes: [write], tier: medium }
            """);
        var shop = Connection("shop");

        Assert.Equal(RiskTier.Low, policy.Evaluate(shop, Dba, Statement(StatementClass.Write, "staging.tmp_import")).Tier);

        var smuggled = policy.Evaluate(shop, Dba, Statement(StatementClass.Write, "staging.tmp_import", "public.orders"));
        Assert.Equal(new PolicyVerdict(RiskTier.Medium, "writes", StatementClass.Write), smuggled);

        var smuggledFirst = policy.Evaluate(shop, Dba, Statement(StatementClass.Write, "orders", "staging.tmp_import"));
        Assert.Equal(RiskTier.Medium, smuggledFirst.Tier);
    }

    [Fact]
    public void Strict_rule_for_one_table_is_not_diluted_by_naming_more_tables()
    {
        var policy = Policy("""
            rules:
              - { name: card-data, tables: ["*.cards"], tier: critical }
              - { name: reads, classes: [read], tier: low }
            """);
        var verdict = policy.Evaluate(Connection("shop"), NoGroups, Statement(StatementClass.Read, "orders", "customers", "billing.cards"));
        Assert.Equal(new PolicyVerdict(RiskTier.Critical, "card-data", StatementClass.Read), verdict);
    }

    [Fact]
    public void Rule_with_tables_never_fits_a_statement_naming_no_tables()
    {
        var policy = Policy("""
            rules:
              - { name: scratch, tables: ["*"], classes: [opaque], tier: low }
              - { name: opaque, classes: [opaque], tier: medium }
            """);
        var doBlock = Statement(StatementClass.Opaque);
        Assert.Equal(new PolicyVerdict(RiskTier.Medium, "opaque", StatementClass.Opaque), policy.Evaluate(Connection("shop"), NoGroups, doBlock));
    }

    [Theory]
    [InlineData("public.orders", "orders", true)]
    [InlineData("public.orders", "public.orders", true)]
    [InlineData("public.orders", "sales.orders", false)]
    [InlineData("sales.orders", "orders", false)]
    [InlineData("*.orders", "orders", true)]
    [InlineData("*.orders", "sales.orders", true)]
    [InlineData("orders", "sales.orders", true)]
    [InlineData("orders", "orders", true)]
    [InlineData("orders", "orders_archive", false)]
    [InlineData("order?", "orders", true)]
    [InlineData("audit_*", "public.audit_2024", true)]
    [InlineData("staging.tmp_*", "staging.tmp_", true)]
    [InlineData("staging.tmp_*", "staging.tmpx", false)]
    [InlineData("public.orders", "Public.ORDERS", true)]
    [InlineData("public.orders", "\"public\".\"orders\"", true)]
    [InlineData("public.orders", "shop.public.orders", true)]
    [InlineData("s*.*_log", "sales.day_log", true)]
    [InlineData("s*.*_log", "sales.day_logs", false)]
    public void Table_glob_matching(string pattern, string table, bool matches)
    {
        var policy = Policy($"rules: [{{ name: hit, tables: ['{pattern}'], tier: high }}]\ndefault_tier: low");
        var verdict = policy.Evaluate(Connection("shop"), NoGroups, Statement(StatementClass.Read, table));
        Assert.Equal(matches ? "hit" : PolicyVerdict.DefaultRule, verdict.Rule);
    }

    [Fact]
    public void Groups_match_when_the_identity_is_in_any_of_them_by_exact_name()
    {
        var policy = Policy("""
            default_tier: high
            rules: [{ name: dba-writes, groups: [dba, sre], classes: [write], tier: low }]
            """);
        var write = Statement(StatementClass.Write, "orders");
        var shop = Connection("shop");

        Assert.Equal("dba-writes", policy.Evaluate(shop, ["developers", "sre"], write).Rule);
        Assert.Equal("default", policy.Evaluate(shop, ["developers"], write).Rule);
        Assert.Equal("default", policy.Evaluate(shop, ["DBA"], write).Rule);
        Assert.Equal("default", policy.Evaluate(shop, NoGroups, write).Rule);
    }

    [Fact]
    public void Tags_must_all_be_present_with_their_values()
    {
        var policy = Policy("""
            default_tier: low
            rules: [{ name: prod-payments, tags: { env: prod, team: payments }, tier: high }]
            """);
        var read = Statement(StatementClass.Read, "orders");

        Assert.Equal("prod-payments", policy.Evaluate(Connection("a", ("env", "prod"), ("team", "payments"), ("x", "y")), NoGroups, read).Rule);
        Assert.Equal("prod-payments", policy.Evaluate(Connection("b", ("env", "PROD"), ("team", "payments")), NoGroups, read).Rule);
        Assert.Equal("default", policy.Evaluate(Connection("c", ("env", "prod")), NoGroups, read).Rule);
        Assert.Equal("default", policy.Evaluate(Connection("d", ("env", "staging"), ("team", "payments")), NoGroups, read).Rule);
    }

    [Theory]
    [InlineData("shop-*", "shop-prod", true)]
    [InlineData("shop-*", "pay-prod", false)]
    [InlineData("*-prod", "shop-prod", true)]
    [InlineData("shop-prod", "shop-prod", true)]
    [InlineData("shop-prod", "shop-prod-2", false)]
    public void Connection_globs_match_the_connection_name(string glob, string name, bool matches)
    {
        var policy = Policy($"default_tier: low\nrules: [{{ name: hit, connections: [x, '{glob}'], tier: high }}]");
        Assert.Equal(matches, policy.Evaluate(Connection(name), NoGroups, Statement(StatementClass.Read)).Rule == "hit");
    }

    [Fact]
    public void Message_takes_the_highest_tier_over_its_statements()
    {
        var policy = Policy("""
            rules:
              - { name: reads, classes: [read], tier: low }
              - { name: ddl, classes: [ddl], tier: high }
              - { name: writes, classes: [write], tier: medium }
            """);
        var message = Message(
            Statement(StatementClass.Read, "orders"),
            Statement(StatementClass.Ddl, "orders"),
            Statement(StatementClass.Write, "orders"));
        Assert.Equal(new PolicyVerdict(RiskTier.High, "ddl", StatementClass.Ddl), policy.EvaluateMessage(Connection("shop"), NoGroups, message));
    }

    [Fact]
    public void Unparseable_text_is_never_low_whatever_the_rules_say()
    {
        var lenient = Policy("default_tier: low\nrules: [{ name: anything-goes, tier: allow }]");
        var unparsed = new SqlClassification
        {
            Statements = [Statement(StatementClass.Opaque)],
            Classes = StatementClass.Opaque,
            ParseError = "syntax error at or near \"SELEC\"",
        };
        var noStatements = new SqlClassification { Statements = [], ParseError = "unterminated quoted string" };

        var expected = new PolicyVerdict(RiskTier.Medium, PolicyVerdict.UnparseableRule, StatementClass.Opaque);
        Assert.Equal(expected, lenient.EvaluateMessage(Connection("shop"), NoGroups, unparsed));
        Assert.Equal(expected, lenient.EvaluateMessage(Connection("shop"), NoGroups, noStatements));
    }

    [Fact]
    public void Unparseable_text_keeps_a_higher_tier_the_rules_give()
    {
        var strict = Policy("rules: [{ name: opaque-blocked, classes: [opaque], tier: block }]");
        var unparsed = new SqlClassification { Statements = [Statement(StatementClass.Opaque)], ParseError = "syntax error" };
        Assert.Equal(new PolicyVerdict(RiskTier.Critical, "opaque-blocked", StatementClass.Opaque), strict.EvaluateMessage(Connection("shop"), NoGroups, unparsed));
    }

    [Fact]
    public void Message_without_statements_is_low()
    {
        var strict = Policy("default_tier: critical");
        Assert.Equal(new PolicyVerdict(RiskTier.Low, PolicyVerdict.EmptyRule, StatementClass.None),
            strict.EvaluateMessage(Connection("shop"), NoGroups, Message()));
    }

    [Fact]
    public void Tier_aliases_allow_review_block_are_accepted()
    {
        var policy = Policy("""
            rules:
              - { name: r, classes: [read], tier: allow }
              - { name: w, classes: [write], tier: review }
              - { name: p, classes: [privilege], tier: block }
            """);
        var shop = Connection("shop");
        Assert.Equal(RiskTier.Low, policy.Evaluate(shop, NoGroups, Statement(StatementClass.Read)).Tier);
        Assert.Equal(RiskTier.Medium, policy.Evaluate(shop, NoGroups, Statement(StatementClass.Write)).Tier);
        Assert.Equal(RiskTier.Critical, policy.Evaluate(shop, NoGroups, Statement(StatementClass.Privilege)).Tier);
    }

    [Fact]
    public void Evaluating_a_message_allocates_nothing()
    {
        var policy = new PolicyEvaluator(DefaultPolicy.Definition);
        var prod = Connection("shop-prod", ("env", "prod"));
        var message = Message(
            Statement(StatementClass.Read | StatementClass.Write, "public.orders", "customers"),
            Statement(StatementClass.Ddl, "staging.tmp_import"));
        IReadOnlyList<string> groups = ["developers", "dba"];
        policy.EvaluateMessage(prod, groups, message);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1_000; i++) policy.EvaluateMessage(prod, groups, message);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
    }
}
