using TicketGate.Tests.Fixtures;

namespace TicketGate.Tests.Kubernetes;

/// <summary>Critical requests are refused at once with a 403 Status kubectl prints; nothing reaches the API server.</summary>
public sealed class BlockTests(PostgresClusterFixture postgres)
{
    [Fact]
    public async Task Impersonation_and_rbac_changes_are_blocked_without_a_request()
    {
        await using var path = await KubernetesPath.StartAsync(postgres);
        path.ApiServer.SeedPod("default", "web-0");

        var impersonating = await path.KubectlAsync(["get", "pods", "--as=system:admin", "--as-group=system:masters"]);
        var rbac = await path.KubectlAsync(["create", "clusterrolebinding", "agent-admin", "--clusterrole=cluster-admin", "--user=agent-7"]);

        Assert.NotEqual(0, impersonating.ExitCode);
        Assert.Contains("Error from server (Forbidden): TicketGate blocked this request: policy rule \"impersonation\" gives list pods in namespace default tier critical",
            impersonating.StandardError, StringComparison.Ordinal);
        Assert.NotEqual(0, rbac.ExitCode);
        Assert.Contains("error: failed to create clusterrolebinding: TicketGate blocked this request: policy rule \"k8s-rbac-changes\" gives create clusterrolebindings.rbac.authorization.k8s.io tier critical",
            rbac.StandardError, StringComparison.Ordinal);
        Assert.Empty(await path.Gateway.RequestsAsync());
        // Only discovery went upstream, as the agent: its own Impersonate-* headers were dropped.
        Assert.DoesNotContain(path.ApiServer.Calls, c => c.PathAndQuery.Contains("/pods", StringComparison.Ordinal) || c.Method == "POST");
        Assert.DoesNotContain(path.ApiServer.Calls, c => c.ImpersonateUser != "agent-7" || c.CarriedOtherImpersonation);
    }
}
