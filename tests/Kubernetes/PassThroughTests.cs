using TicketGate.Tests.Fixtures;

namespace TicketGate.Tests.Kubernetes;

/// <summary>Reads through TicketGate with the unmodified kubectl: allowed at once, forwarded with TicketGate's credentials.</summary>
public sealed class PassThroughTests(PostgresClusterFixture postgres)
{
    [Fact]
    public async Task Get_and_list_pass_through_with_the_service_account_token_and_the_agent_impersonated()
    {
        await using var path = await KubernetesPath.StartAsync(postgres);
        path.ApiServer.SeedPod("default", "web-0");
        path.ApiServer.SeedPod("default", "web-1");
        path.ApiServer.Seed("namespaces", "", "prod");

        var pods = await path.KubectlAsync(["get", "pods"]);
        var one = await path.KubectlAsync(["get", "pod", "web-1", "-o", "jsonpath={.metadata.name}/{.status.phase}"]);
        var namespaces = await path.KubectlAsync(["get", "namespaces"]);

        Assert.True(pods.ExitCode == 0, pods.CombinedOutput);
        Assert.Contains("web-0", pods.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("web-1", pods.StandardOutput, StringComparison.Ordinal);
        Assert.Equal("web-1/Running", one.StandardOutput);
        Assert.Contains("prod", namespaces.StandardOutput, StringComparison.Ordinal);
        Assert.Empty(await path.Gateway.RequestsAsync());

        // Every call reached the API server as TicketGate (its token), acting as the agent; the agent's own token never did.
        var calls = path.ApiServer.Calls.ToList();
        Assert.Contains(calls, c => c.Method == "GET" && c.PathAndQuery.StartsWith("/api/v1/namespaces/default/pods?", StringComparison.Ordinal));
        Assert.Contains(calls, c => c.PathAndQuery.StartsWith("/api/v1/namespaces/default/pods/web-1", StringComparison.Ordinal));
        Assert.All(calls, c =>
        {
            Assert.Equal("Bearer " + path.ApiServer.ServiceAccountToken, c.Authorization);
            Assert.Equal("agent-7", c.ImpersonateUser);
            Assert.Equal(["agents"], c.ImpersonateGroups);
            Assert.False(c.CarriedOtherImpersonation);
        });
        var audit = await path.Gateway.WaitForAuditAsync(a => a.Entry.Protocol == "kubernetes" && a.Entry.Statement.Contains("/pods/web-1", StringComparison.Ordinal));
        Assert.Equal("get", audit.Entry.StatementClass);
        Assert.Equal("k8s-reads", audit.Entry.Rule);
        Assert.Equal("200", audit.Entry.CommandTag);
    }
    [Fact]
    public async Task An_agent_in_several_groups_is_impersonated_with_one_header_line_per_group_and_cannot_add_groups_of_its_own()
    {
        await using var path = await KubernetesPath.StartAsync(postgres);
        path.ApiServer.SeedPod("default", "web-0");
        var several = await path.WriteKubeconfigAsync("several", ["--sub=agent-7", "--groups=agents,sre-oncall"]);

        var pods = await path.KubectlAsync(["get", "pods"], several);
        // The same agent's own attempt to smuggle a group through the placeholder names TicketGate uses upstream.
        using var client = GetLatencyBenchmark.Client(new Uri(path.ClusterDefinition.AgentUrl), path.ClusterDefinition.CertificateAuthorityFile!,
            path.Gateway.Token(groups: ["agents", "sre-oncall"]));
        using var smuggling = new HttpRequestMessage(HttpMethod.Get, "api/v1/namespaces/default/pods/web-0");
        smuggling.Headers.TryAddWithoutValidation("Tg-Imp-Group-0002", "system:masters");
        smuggling.Headers.TryAddWithoutValidation("Tg-Imp-Group-0000", "system:masters");
        using var response = await client.SendAsync(smuggling);

        Assert.True(pods.ExitCode == 0, pods.CombinedOutput);
        Assert.Contains("web-0", pods.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        var calls = path.ApiServer.Calls.Where(c => c.PathAndQuery.StartsWith("/api/v1/namespaces/default/pods", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, calls.Count);
        // Kubernetes reads one group per Impersonate-Group line: "agents, sre-oncall" on one line would be one group of that name.
        Assert.All(calls, c =>
        {
            Assert.Equal("agent-7", c.ImpersonateUser);
            Assert.Equal(["agents", "sre-oncall"], c.ImpersonateGroups);
            Assert.False(c.CarriedOtherImpersonation);
        });
    }
}
