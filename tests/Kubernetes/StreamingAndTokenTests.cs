using TicketGate.Proxy.Identity;
using TicketGate.Tests.Fixtures;

namespace TicketGate.Tests.Kubernetes;

/// <summary>Watches and followed logs stream through unbuffered while another request is held; bad tokens get a 401 Status.</summary>
public sealed class StreamingAndTokenTests(PostgresClusterFixture postgres)
{
    [Fact]
    public async Task Watch_and_logs_follow_stream_while_a_delete_is_held()
    {
        await using var path = await KubernetesPath.StartAsync(postgres);
        path.ApiServer.SeedPod("default", "web-0");
        path.ApiServer.Seed("configmaps", "default", "first");
        path.ApiServer.WriteLog("default", "web-0", "log line 1");

        await using var watch = path.StartKubectl(["get", "configmaps", "--watch", "-o", "name"]);
        await using var logs = path.StartKubectl(["logs", "-f", "web-0"]);
        await watch.WaitForOutputAsync("configmap/first");
        await logs.WaitForOutputAsync("log line 1");

        await using var delete = path.StartKubectl(["delete", "configmap", "first"]);
        var held = await path.Gateway.WaitForPendingAsync(r => r.Request.CommandClass == "delete");

        // While the delete waits, new events and log lines reach kubectl as they happen.
        path.ApiServer.Seed("configmaps", "default", "second");
        path.ApiServer.WriteLog("default", "web-0", "log line 2");
        await watch.WaitForOutputAsync("configmap/second");
        await logs.WaitForOutputAsync("log line 2");
        Assert.False(delete.HasExited);
        Assert.True(path.ApiServer.Exists("configmaps", "default", "first"));

        await path.Gateway.ApproveAsync(held.Request.Id, "alice");
        Assert.Equal(0, await delete.ExitCodeAsync());
        Assert.False(path.ApiServer.Exists("configmaps", "default", "first"));
        path.ApiServer.WriteLog("default", "web-0", "log line 3");
        await logs.WaitForOutputAsync("log line 3");
    }

    [Fact]
    public async Task Bad_and_expired_tokens_get_a_401_status_that_kubectl_prints()
    {
        await using var path = await KubernetesPath.StartAsync(postgres);
        path.ApiServer.SeedPod("default", "web-0");
        var garbage = Path.Combine(path.Gateway.Folder, "garbage.token");
        await File.WriteAllTextAsync(garbage, "not-a-token\n");
        var expired = Path.Combine(path.Gateway.Folder, "expired.token");
        using (var pastIssuer = new DevelopmentIssuer(path.Gateway.Folder, path.Gateway.Issuer.Issuer, new ShiftedClock(TimeSpan.FromHours(-2))))
        {
            await File.WriteAllTextAsync(expired, pastIssuer.Mint("agent-7", ["agents"], TimeSpan.FromMinutes(10), GatewayFixture.Audience));
        }
        var bad = await path.WriteKubeconfigAsync("garbage", [$"--token-file={garbage}"]);
        var old = await path.WriteKubeconfigAsync("expired", [$"--token-file={expired}"]);

        var badResult = await path.KubectlAsync(["get", "pods"], bad);
        var oldResult = await path.KubectlAsync(["get", "pods"], old);

        Assert.NotEqual(0, badResult.ExitCode);
        // kubectl prints the Status message of a 401 in discovery only as "You must be logged in"; TicketGate's reason comes as a Warning.
        Assert.Contains("Warning: TicketGate refused your token: ", badResult.StandardError, StringComparison.Ordinal);
        Assert.Contains("error: You must be logged in to the server", badResult.StandardError, StringComparison.Ordinal);
        Assert.NotEqual(0, oldResult.ExitCode);
        Assert.Contains("ticketgate kube-token: the token expired at", oldResult.StandardError, StringComparison.Ordinal);
        Assert.Contains("Warning: TicketGate refused your token: token expired at", oldResult.StandardError, StringComparison.Ordinal);
        // Nothing reached the API server for either agent.
        Assert.Empty(path.ApiServer.Calls);
    }
}

/// <summary>A clock this far from now, for minting tokens that are already expired.</summary>
internal sealed class ShiftedClock(TimeSpan shift) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + shift;
}
