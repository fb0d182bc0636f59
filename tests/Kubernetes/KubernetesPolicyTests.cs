using Microsoft.AspNetCore.Http;
using TicketGate.Proxy.Configuration;
using TicketGate.Proxy.Kubernetes.Requests;
using TicketGate.Proxy.Policy;
using TicketGate.Workflows.Approvals;

namespace TicketGate.Tests.Kubernetes;

/// <summary>The kubernetes section of the policy: the built-in defaults, rule matchers, and loading from a policy file.</summary>
public sealed class KubernetesPolicyTests
{
    private static readonly string[] Agents = ["agents"];

    private static KubernetesClusterDefinition Cluster(string name, string env) => new()
    {
        Name = name,
        Port = 16443,
        CertificateFile = "tls.crt",
        KeyFile = "tls.key",
        Server = new Uri("https://10.0.0.1:6443"),
        Token = SecretReference.FromEnvironment("UNUSED"),
        Tags = new Dictionary<string, string> { ["env"] = env },
    };

    private static KubernetesRequest Request(string method, string pathAndQuery)
    {
        var parts = pathAndQuery.Split('?', 2);
        return KubernetesRequestParser.Parse(method, parts[0], new QueryCollection(Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(parts.Length > 1 ? parts[1] : "")));
    }

    [Theory]
    [InlineData("GET", "/api/v1/namespaces/default/pods", "prod", "low", "k8s-reads")]
    [InlineData("GET", "/api/v1/namespaces/default/pods?watch=1", "prod", "low", "k8s-reads")]
    [InlineData("GET", "/api/v1/namespaces/default/pods/web-0/log", "prod", "low", "k8s-reads")]
    [InlineData("GET", "/apis", "prod", "low", "discovery")]
    [InlineData("POST", "/api/v1/namespaces/default/configmaps", "prod", "medium", "k8s-production-changes")]
    [InlineData("POST", "/api/v1/namespaces/default/configmaps", "dev", "low", "k8s-changes")]
    [InlineData("PATCH", "/apis/apps/v1/namespaces/default/deployments/web", "prod", "medium", "k8s-production-changes")]
    [InlineData("POST", "/api/v1/namespaces/default/configmaps?dryRun=All", "prod", "low", "dry-run")]
    [InlineData("DELETE", "/api/v1/namespaces/prod", "dev", "medium", "k8s-deletes")]
    [InlineData("DELETE", "/api/v1/namespaces/default/pods", "dev", "medium", "k8s-deletes")]
    [InlineData("GET", "/api/v1/namespaces/default/pods/web-0/exec?command=ls", "dev", "medium", "k8s-exec")]
    [InlineData("GET", "/api/v1/namespaces/default/pods/web-0/attach", "dev", "medium", "k8s-exec")]
    [InlineData("POST", "/api/v1/namespaces/default/pods/web-0/portforward", "dev", "medium", "k8s-exec")]
    [InlineData("GET", "/api/v1/namespaces/default/secrets/db", "dev", "medium", "k8s-secret-reads")]
    [InlineData("GET", "/api/v1/secrets", "dev", "medium", "k8s-secret-reads")]
    [InlineData("POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings", "dev", "critical", "k8s-rbac-changes")]
    [InlineData("GET", "/apis/rbac.authorization.k8s.io/v1/clusterroles", "dev", "low", "k8s-reads")]
    public void Built_in_rules_give_the_documented_tiers(string method, string path, string env, string tier, string rule)
    {
        var evaluator = new KubernetesPolicyEvaluator(DefaultPolicy.Definition);

        var verdict = evaluator.Evaluate(Cluster("c", env), Agents, Request(method, path), impersonates: false);

        Assert.Equal((tier, rule), (verdict.Tier.ToName(), verdict.Rule));
    }

    [Fact]
    public void Impersonating_is_critical_on_resource_requests_whatever_the_rules_say()
    {
        var evaluator = new KubernetesPolicyEvaluator(DefaultPolicy.Definition);

        Assert.Equal(new KubernetesVerdict(RiskTier.Critical, "impersonation"),
            evaluator.Evaluate(Cluster("c", "dev"), Agents, Request("GET", "/api/v1/namespaces/default/pods"), impersonates: true));
        Assert.Equal(new KubernetesVerdict(RiskTier.Low, "discovery"), evaluator.Evaluate(Cluster("c", "dev"), Agents, Request("GET", "/api"), impersonates: true));
    }

    [Fact]
    public void Policy_file_rules_match_cluster_namespace_resource_verb_subresource_groups_and_commands()
    {
        var policy = PolicyLoader.LoadFromYaml("""
            rules:
              - { name: reads, classes: [read], tier: low }
            kubernetes:
              default_tier: high
              rules:
                - { name: oncall-restarts, clusters: [prod-*], namespaces: [shop], api_groups: [apps], resources: [deployments], verbs: [patch], groups: [oncall], tier: low }
                - { name: safe-exec, subresources: [exec], commands: ["ls *", "cat /etc/*"], tier: low }
                - { name: scale, subresources: [scale], tier: medium }
            """, "policy.yaml");
        var evaluator = new KubernetesPolicyEvaluator(policy);
        var prod = Cluster("prod-eu", "prod");
        var patch = Request("PATCH", "/apis/apps/v1/namespaces/shop/deployments/web");

        Assert.Single(policy.Rules);
        Assert.Equal("oncall-restarts", evaluator.Evaluate(prod, ["oncall"], patch, false).Rule);
        Assert.Equal(new KubernetesVerdict(RiskTier.High, "default"), evaluator.Evaluate(prod, Agents, patch, false));
        Assert.Equal("default", evaluator.Evaluate(Cluster("staging", "prod"), ["oncall"], patch, false).Rule);
        Assert.Equal("default", evaluator.Evaluate(prod, ["oncall"], Request("PATCH", "/apis/apps/v1/namespaces/web/deployments/web"), false).Rule);
        Assert.Equal("safe-exec", evaluator.Evaluate(prod, Agents, Request("GET", "/api/v1/namespaces/shop/pods/p/exec?command=ls&command=-l"), false).Rule);
        Assert.Equal("default", evaluator.Evaluate(prod, Agents, Request("GET", "/api/v1/namespaces/shop/pods/p/exec?command=rm&command=x"), false).Rule);
        Assert.Equal("scale", evaluator.Evaluate(prod, Agents, Request("PUT", "/apis/apps/v1/namespaces/shop/deployments/web/scale"), false).Rule);
    }

    [Fact]
    public void Policy_file_without_a_kubernetes_section_keeps_the_built_in_kubernetes_rules_and_its_own_sql_rules()
    {
        var policy = PolicyLoader.LoadFromYaml("rules: [{ name: reads, classes: [read], tier: low }]", "policy.yaml");

        Assert.Null(policy.Kubernetes);
        Assert.Equal("k8s-deletes", new KubernetesPolicyEvaluator(policy).Evaluate(Cluster("c", "dev"), Agents, Request("DELETE", "/api/v1/namespaces/x"), false).Rule);
        Assert.Equal(["reads"], policy.Rules.Select(r => r.Name));
    }

    [Theory]
    [InlineData("kubernetes: { rules: [{ name: x, verbs: [destroy], tier: low }] }", "'destroy' is not a Kubernetes verb")]
    [InlineData("kubernetes: { rules: [{ name: discovery, tier: low }] }", "'discovery' is reserved")]
    [InlineData("kubernetes: { rules: [{ name: x, tier: low, pods: [a] }] }", "pods")]
    [InlineData("kubernetes: { rules: [{ name: x }] }", "tier")]
    public void Bad_kubernetes_rules_are_refused_naming_the_key(string yaml, string expected)
    {
        var error = Assert.Throws<ConfigurationException>(() => PolicyLoader.LoadFromYaml(yaml, "policy.yaml"));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
