using System.Net;
using TicketGate.Tests.Fixtures;
using TicketGate.Workflows.Approvals;

namespace TicketGate.Tests.Kubernetes;

/// <summary>Risky requests are held with kubectl waiting on its open connection, then forwarded or refused as decided.</summary>
public sealed class HoldTests(PostgresClusterFixture postgres)
{
    [Fact]
    public async Task Delete_namespace_waits_for_approval_then_runs_and_a_second_rejected_one_does_not()
    {
        await using var path = await KubernetesPath.StartAsync(postgres);
        path.ApiServer.Seed("namespaces", "", "prod");
        path.ApiServer.Seed("namespaces", "", "staging");

        await using (var delete = path.StartKubectl(["delete", "namespace", "prod"]))
        {
            var held = await path.Gateway.WaitForPendingAsync(r => r.Request.Protocol == "kubernetes");
            Assert.Equal("delete", held.Request.CommandClass);
            Assert.Equal("k8s-deletes", held.Request.Rule);
            Assert.Equal(RiskTier.Medium, held.Request.Tier);
            Assert.Equal(KubernetesPath.Cluster, held.Request.Connection);
            Assert.StartsWith("delete namespaces prod\nDELETE /api/v1/namespaces/prod", held.Request.Command, StringComparison.Ordinal);
            // Held means held: nothing reached the API server, and kubectl is still waiting.
            Assert.True(path.ApiServer.Exists("namespaces", "", "prod"));
            Assert.DoesNotContain(path.ApiServer.Calls, c => c.Method == "DELETE");
            Assert.False(delete.HasExited);

            var approval = await path.Gateway.ApproveAsync(held.Request.Id, "alice");
            Assert.Equal(HttpStatusCode.OK, approval.StatusCode);
            Assert.Equal(0, await delete.ExitCodeAsync());
            Assert.Contains("namespace \"prod\" deleted", delete.StandardOutput, StringComparison.Ordinal);
        }
        Assert.False(path.ApiServer.Exists("namespaces", "", "prod"));

        await using (var delete = path.StartKubectl(["delete", "namespace", "staging"]))
        {
            var held = await path.Gateway.WaitForPendingAsync(r => r.Request.Command.StartsWith("delete namespaces staging", StringComparison.Ordinal));
            var rejection = await path.Gateway.RejectAsync(held.Request.Id, "not during the release freeze", "bob");
            Assert.Equal(HttpStatusCode.OK, rejection.StatusCode);

            Assert.NotEqual(0, await delete.ExitCodeAsync());
            Assert.Contains($"Error from server (Forbidden): TicketGate: request {held.Request.Id} (delete namespaces staging) was rejected by bob: not during the release freeze",
                delete.StandardError, StringComparison.Ordinal);
        }
        Assert.True(path.ApiServer.Exists("namespaces", "", "staging"));
        Assert.Single(path.ApiServer.Calls, c => c.Method == "DELETE");

        var audit = await path.Gateway.WaitForAuditAsync(a => a.Entry.Protocol == "kubernetes" && a.Entry.Decision == Proxy.Audit.AuditDecision.Rejected);
        Assert.Equal(["bob"], audit.Entry.DecidedBy);
    }

    [Fact]
    public async Task Agent_that_gives_up_while_held_withdraws_its_request_and_nothing_runs()
    {
        await using var path = await KubernetesPath.StartAsync(postgres);
        path.ApiServer.Seed("namespaces", "", "prod");

        StoredApprovalRequest held;
        await using (var delete = path.StartKubectl(["delete", "namespace", "prod"]))
        {
            held = await path.Gateway.WaitForPendingAsync(r => r.Request.Protocol == "kubernetes");
        }

        var decided = await path.Gateway.WaitForDecisionAsync(held.Request.Id);
        Assert.Equal(ApprovalStatus.Withdrawn, decided.Status);
        var approval = await path.Gateway.ApproveAsync(held.Request.Id, "alice");
        Assert.NotEqual(HttpStatusCode.OK, approval.StatusCode);
        Assert.True(path.ApiServer.Exists("namespaces", "", "prod"));
        Assert.DoesNotContain(path.ApiServer.Calls, c => c.Method == "DELETE");
        await path.Gateway.WaitForAuditAsync(a => a.Entry.Protocol == "kubernetes" && a.Entry.Decision == Proxy.Audit.AuditDecision.Withdrawn);
    }

    [Fact]
    public async Task Stopping_ticketgate_withdraws_a_held_request_and_tells_kubectl()
    {
        using var logs = new CapturedLogs();
        await using var path = await KubernetesPath.StartAsync(postgres, logs: logs);
        path.ApiServer.Seed("namespaces", "", "prod");
        await using var delete = path.StartKubectl(["delete", "namespace", "prod"]);
        var held = await path.Gateway.WaitForPendingAsync(r => r.Request.Protocol == "kubernetes");

        await path.StopGatewayAsync();

        Assert.NotEqual(0, await delete.ExitCodeAsync());
        Assert.Contains($"Error from server (ServiceUnavailable): TicketGate is stopping; request {held.Request.Id} (delete namespaces prod) was withdrawn and not forwarded",
            delete.StandardError, StringComparison.Ordinal);
        Assert.Contains("Kubernetes prod: request " + held.Request.Id + " withdrawn: TicketGate is stopping", logs.Text, StringComparison.Ordinal);
        Assert.True(path.ApiServer.Exists("namespaces", "", "prod"));
    }

    [Fact]
    public async Task Apply_and_rollout_restart_in_prod_are_held_and_run_once_approved()
    {
        await using var path = await KubernetesPath.StartAsync(postgres);
        path.ApiServer.Seed("deployments", "default", "web", new System.Text.Json.Nodes.JsonObject
        {
            ["replicas"] = 1,
            ["selector"] = new System.Text.Json.Nodes.JsonObject { ["matchLabels"] = new System.Text.Json.Nodes.JsonObject { ["app"] = "web" } },
            ["template"] = new System.Text.Json.Nodes.JsonObject
            {
                ["metadata"] = new System.Text.Json.Nodes.JsonObject { ["labels"] = new System.Text.Json.Nodes.JsonObject { ["app"] = "web" } },
                ["spec"] = new System.Text.Json.Nodes.JsonObject { ["containers"] = new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonObject { ["name"] = "app", ["image"] = "busybox" }) },
            },
        });
        var manifest = Path.Combine(path.Gateway.Folder, "settings.yaml");
        await File.WriteAllTextAsync(manifest, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: fast\n");

        // No OpenAPI documents in the fake: client-side validation is off (see the README).
        await using (var apply = path.StartKubectl(["apply", "--validate=false", "-f", manifest]))
        {
            var held = await path.Gateway.WaitForPendingAsync(r => r.Request.CommandClass == "create");
            Assert.Equal("k8s-production-changes", held.Request.Rule);
            Assert.Contains("\"mode\":\"fast\"", held.Request.Command, StringComparison.Ordinal);
            Assert.False(path.ApiServer.Exists("configmaps", "default", "settings"));
            await path.Gateway.ApproveAsync(held.Request.Id, "alice");
            Assert.Equal(0, await apply.ExitCodeAsync());
            Assert.Contains("configmap/settings created", apply.StandardOutput, StringComparison.Ordinal);
        }
        Assert.Equal("fast", path.ApiServer.Get("configmaps", "default", "settings")!["data"]!["mode"]!.GetValue<string>());

        await using (var restart = path.StartKubectl(["rollout", "restart", "deployment/web"]))
        {
            var held = await path.Gateway.WaitForPendingAsync(r => r.Request.CommandClass == "patch");
            Assert.Contains("kubectl.kubernetes.io/restartedAt", held.Request.Command, StringComparison.Ordinal);
            await path.Gateway.ApproveAsync(held.Request.Id, "alice");
            Assert.Equal(0, await restart.ExitCodeAsync());
            Assert.Contains("deployment.apps/web restarted", restart.StandardOutput, StringComparison.Ordinal);
        }
        Assert.NotNull(path.ApiServer.Get("deployments", "default", "web")!["spec"]!["template"]!["metadata"]!["annotations"]!["kubectl.kubernetes.io/restartedAt"]);

        // A dry run changes nothing, so it is not held.
        var dryRun = await path.KubectlAsync(["delete", "configmap", "settings", "--dry-run=server"]);
        Assert.True(dryRun.ExitCode == 0, dryRun.CombinedOutput);
        Assert.Contains("configmap \"settings\" deleted (server dry run)", dryRun.StandardOutput, StringComparison.Ordinal);
        Assert.True(path.ApiServer.Exists("configmaps", "default", "settings"));
        Assert.Equal(2, (await path.Gateway.RequestsAsync()).Count);
    }
}
