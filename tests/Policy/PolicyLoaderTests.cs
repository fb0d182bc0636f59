using TicketGate.Proxy.Configuration;
using TicketGate.Proxy.Policy;
using TicketGate.Tests.Configuration;
using TicketGate.Workflows.Approvals;

namespace TicketGate.Tests.Policy;

public sealed class PolicyLoaderTests : IDisposable
{
    private readonly ConfigFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public void Standalone_policy_file_reads_every_matcher()
    {
        var policy = PolicyLoader.LoadFromYaml("""
            default_tier: high
            safe_functions: [lower, my_schema.pure_fn]
            rules:
              - name: dba-scratch
                connections: [shop-*]
                tags: { env: staging }
                groups: [dba]
                classes: [Write, ddl]
                tables: [staging.tmp_*]
                tier: allow
            """, "policy.yaml");

        Assert.Equal(RiskTier.High, policy.DefaultTier);
        Assert.Equal(["lower", "my_schema.pure_fn"], policy.SafeFunctions);
        var rule = Assert.Single(policy.Rules);
        Assert.Equal(("dba-scratch", RiskTier.Low), (rule.Name, rule.Tier));
        Assert.Equal(["shop-*"], rule.Connections);
        Assert.Equal("staging", rule.Tags["env"]);
        Assert.Equal(["dba"], rule.Groups);
        Assert.Equal(["write", "ddl"], rule.Classes);
        Assert.Equal(["staging.tmp_*"], rule.Tables);
    }

    [Fact]
    public void Errors_name_the_rule_key_and_line()
    {
        var e = Assert.Throws<ConfigurationException>(() => PolicyLoader.LoadFromYaml("""
            rules:
              - name: reads
                clases: [read]
                tier: low
              - name: writes
                classes: [wirte]
              - name: reads
                tables: ["a.b.c", "bad table"]
                tier: extreme
            """, "policy.yaml"));

        Assert.Contains("policy.yaml: 6 problems:", e.Message);
        Assert.Contains("rules[0].clases (line 3, column 5): unknown key 'clases'", e.Message);
        Assert.Contains("rules[1].classes (line 6, column 14): 'wirte' is not a statement class", e.Message);
        Assert.Contains("rules[1].tier (line 5, column 5): is missing", e.Message);
        Assert.Contains("rules[2].tables", e.Message);
        Assert.Contains("'a.b.c' has more than one dot", e.Message);
        Assert.Contains("'bad table' may hold only", e.Message);
        Assert.Contains("rules[2].tier (line 9, column 11): 'extreme' is not a tier", e.Message);
    }

    [Fact]
    public void Rule_names_must_be_unique_and_not_reserved()
    {
        var e = Assert.Throws<ConfigurationException>(() => PolicyLoader.LoadFromYaml("""
            rules:
              - { name: reads, classes: [read], tier: low }
              - { name: reads, classes: [write], tier: low }
              - { name: unparseable, tier: low }
            """, "policy.yaml"));
        Assert.Contains("rules[1].name (line 3, column 13): another rule is already named 'reads'", e.Message);
        Assert.Contains("rules[2].name (line 4, column 13): 'unparseable' is reserved", e.Message);
    }

    [Fact]
    public void Policy_file_is_found_relative_to_the_config_file()
    {
        folder.WriteFile("policy.yaml", "rules: [{ name: everything-held, tier: review }]\n");
        var config = folder.WriteFile("ticketgate.yaml", folder.ValidYaml() + "\npolicy_file: policy.yaml\n");

        var options = ConfigurationLoader.Load(config);

        Assert.Equal("everything-held", Assert.Single(options.Policy.Rules).Name);
        Assert.Equal(Path.Combine(folder.Path, "policy.yaml"), options.PolicySource);
    }

    [Fact]
    public void Problems_in_a_policy_file_are_reported_through_the_config_with_both_locations()
    {
        folder.WriteFile("policy.yaml", "rules:\n  - { name: x, tier: sometimes }\n");
        var config = folder.WriteFile("ticketgate.yaml", folder.ValidYaml() + "\npolicy_file: policy.yaml\n");

        var e = Assert.Throws<ConfigurationException>(() => ConfigurationLoader.Load(config));

        Assert.Contains($"policy_file ({Path.Combine(folder.Path, "policy.yaml")}: rules[0].tier) (line 2, column 22): 'sometimes' is not a tier", e.Message);
    }

    [Fact]
    public void Policy_and_policy_file_together_are_refused()
    {
        folder.WriteFile("policy.yaml", "rules: []\n");
        var yaml = folder.ValidYaml() + "\npolicy_file: policy.yaml\npolicy:\n  default_tier: low\n";
        var e = Assert.Throws<ConfigurationException>(() => ConfigurationLoader.LoadFromYaml(yaml, "ticketgate.yaml", folder.Path));
        Assert.Contains("both policy and policy_file are given", e.Message);
    }

    [Fact]
    public void Inline_rule_that_fits_no_defined_connection_is_taken_for_a_typo()
    {
        var yaml = folder.ValidYaml() + """

            policy:
              rules:
                - { name: prod-ddl, tags: { env: prd }, classes: [ddl], tier: high }
                - { name: shop-writes, connections: [shop-*], classes: [write], tier: medium }
            """;
        var e = Assert.Throws<ConfigurationException>(() => ConfigurationLoader.LoadFromYaml(yaml, "ticketgate.yaml", folder.Path));
        var problem = Assert.Single(e.Problems);
        Assert.Equal("policy.rules[0]", problem.KeyPath);
        Assert.Contains("rule 'prod-ddl' can never apply", problem.Message);
    }
}
