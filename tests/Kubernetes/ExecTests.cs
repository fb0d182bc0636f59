using Microsoft.Extensions.DependencyInjection;
using TicketGate.Proxy.Configuration;
using TicketGate.Tests.Fixtures;
using TicketGate.Workflows.Approvals;

namespace TicketGate.Tests.Kubernetes;

/// <summary>exec is gated by its command before the WebSocket upgrade, relayed and recorded once allowed; SPDY is refused.</summary>
public sealed class ExecTests(PostgresClusterFixture postgres)
{
    /// <summary>The built-in rules, with one more in front: reading the date in a container is harmless.</summary>
    private static PolicyDefinition WithHarmlessDate(PolicyDefinition policy) => new()
    {
        Rules = policy.Rules,
        DefaultTier = policy.DefaultTier,
        SafeFunctions = policy.SafeFunctions,
        Kubernetes = new KubernetesPolicyDefinition
        {
            DefaultTier = policy.Kubernetes!.DefaultTier,
            Rules = [new KubernetesRuleDefinition { Name = "harmless-exec", Subresources = ["exec"], Commands = ["echo *", "date"], Tier = RiskTier.Low },
                .. policy.Kubernetes.Rules],
        },
    };

    [Fact]
    public async Task Exec_is_gated_by_its_command_relayed_over_websocket_v5_and_recorded()
    {
        await using var path = await KubernetesPath.StartAsync(postgres, WithHarmlessDate);
        path.ApiServer.SeedPod("default", "web-0");

        var harmless = await path.KubectlAsync(["exec", "web-0", "--", "echo", "hello", "from", "web-0"]);
        Assert.True(harmless.ExitCode == 0, harmless.CombinedOutput);
        Assert.Equal("hello from web-0\n", harmless.StandardOutput);
        Assert.Empty(await path.Gateway.RequestsAsync());
        var (pod, protocol, command) = Assert.Single(path.ApiServer.Execs);
        Assert.Equal(("web-0", "v5.channel.k8s.io"), (pod, protocol));
        Assert.Equal(["echo", "hello", "from", "web-0"], command);

        await using (var risky = path.StartKubectl(["exec", "web-0", "-c", "app", "--", "rm", "-rf", "/data"]))
        {
            var held = await path.Gateway.WaitForPendingAsync(r => r.Request.CommandClass == "exec");
            Assert.StartsWith("exec pods/web-0 in namespace default: rm -rf /data", held.Request.Command, StringComparison.Ordinal);
            Assert.Equal("k8s-exec", held.Request.Rule);
            Assert.Single(path.ApiServer.Execs);
            await path.Gateway.RejectAsync(held.Request.Id, "no deleting data by hand", "bob");

            Assert.NotEqual(0, await risky.ExitCodeAsync());
            // kubectl retries a refused WebSocket exec over SPDY; TicketGate answers that retry with the rejection too.
            Assert.Contains($"request {held.Request.Id} (exec pods/web-0 in namespace default: rm -rf /data) was rejected by bob: no deleting data by hand",
                risky.StandardError, StringComparison.Ordinal);
        }
        Assert.Single(path.ApiServer.Execs);

        await using (var approved = path.StartKubectl(["exec", "web-0", "--", "cat", "/etc/hostname"]))
        {
            var held = await path.Gateway.WaitForPendingAsync(r => r.Request.Command.Contains("cat /etc/hostname", StringComparison.Ordinal));
            await path.Gateway.ApproveAsync(held.Request.Id, "alice");
            Assert.Equal(0, await approved.ExitCodeAsync());
            Assert.Equal("ran: cat /etc/hostname\n", approved.StandardOutput);
        }

        // Both relayed sessions are recorded; the approved one with its hold, its decision and the frames the agent was sent
        // (channel byte 1, stdout).
        await Task.Delay(TimeSpan.FromSeconds(0.5));
        var sessions = await path.Gateway.Services.GetRequiredService<Proxy.Recording.RecordingReader>()
            .ListAsync(new Proxy.Recording.SessionFilter(Connection: KubernetesPath.Cluster));
        Assert.Equal(2, sessions.Count);
        Assert.All(sessions, s => Assert.Equal(("kubernetes", "agent-7"), (s.Protocol, s.Subject)));
        var recorded = new List<IReadOnlyList<Proxy.Recording.RecordedEvent>>();
        foreach (var s in sessions) recorded.Add((await path.Gateway.RecordedSessionAsync(s.Id)).Events);
        var events = Assert.Single(recorded, e => e.Any(x => x.Kind == Proxy.Recording.RecordedEventKind.Hold));
        Assert.Contains(events, e => e.Kind == Proxy.Recording.RecordedEventKind.Decision);
        Assert.Contains(events, e => e.Kind == Proxy.Recording.RecordedEventKind.Server && e.Payload[0] == 1
            && System.Text.Encoding.UTF8.GetString(e.Payload, 1, e.Payload.Length - 1) == "ran: cat /etc/hostname\n");
    }

    [Fact]
    public async Task Interactive_exec_is_one_approval_relays_stdin_both_ways_and_ends_at_the_session_limit()
    {
        await using var path = await KubernetesPath.StartAsync(postgres, execSessionLimit: TimeSpan.FromSeconds(8));
        path.ApiServer.SeedPod("default", "web-0");

        await using var shell = path.StartKubectl(["exec", "-i", "web-0", "--", "sh"], keepInputOpen: true);
        var held = await path.Gateway.WaitForPendingAsync(r => r.Request.CommandClass == "exec");
        Assert.StartsWith("exec pods/web-0 in namespace default: sh", held.Request.Command, StringComparison.Ordinal);
        await path.Gateway.ApproveAsync(held.Request.Id, "alice");

        // One approval covers everything typed in the session.
        await shell.TypeAsync("ls /data");
        await shell.WaitForOutputAsync("$ ls /data");
        await shell.TypeAsync("cat /data/orders.csv");
        await shell.WaitForOutputAsync("$ cat /data/orders.csv");
        Assert.Single(await path.Gateway.RequestsAsync());

        // The agent keeps the shell open; TicketGate ends it at the cluster's exec_session_limit.
        await shell.ExitCodeAsync(TimeSpan.FromSeconds(60));
        await Task.Delay(TimeSpan.FromSeconds(0.5));
        var session = Assert.Single(await path.Gateway.Services.GetRequiredService<Proxy.Recording.RecordingReader>()
            .ListAsync(new Proxy.Recording.SessionFilter(Connection: KubernetesPath.Cluster)));
        var (_, events) = await path.Gateway.RecordedSessionAsync(session.Id);
        var typed = string.Concat(events.Where(e => e.Kind == Proxy.Recording.RecordedEventKind.Client && e.Payload.Length > 0 && e.Payload[0] == 0)
            .Select(e => System.Text.Encoding.UTF8.GetString(e.Payload, 1, e.Payload.Length - 1)));
        Assert.Equal("ls /data\ncat /data/orders.csv\n", typed);

        // The API (and `ticketgate replay`) shows it as a transcript of what was typed and printed.
        using var response = await path.Gateway.GetAsync($"api/sessions/{session.Id}");
        var transcript = System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync())!["transcript"]!.AsArray();
        Assert.Equal(["hold", "decision", "stdin", "stdout", "stdin", "stdout"], transcript.Select(e => (string)e!["kind"]!).Take(6));
        Assert.Equal("$ cat /data/orders.csv\n", (string)transcript[5]!["text"]!);
    }

    [Fact]
    public async Task Spdy_exec_is_refused_with_a_message_that_says_to_use_websockets()
    {
        await using var path = await KubernetesPath.StartAsync(postgres, WithHarmlessDate);
        path.ApiServer.SeedPod("default", "web-0");

        var spdy = await path.KubectlAsync(["exec", "web-0", "--", "date"],
            environment: new Dictionary<string, string?> { ["KUBECTL_REMOTE_COMMAND_WEBSOCKETS"] = "false" });

        Assert.NotEqual(0, spdy.ExitCode);
        Assert.Contains("TicketGate relays exec, attach and port-forward over WebSockets only, not SPDY", spdy.StandardError, StringComparison.Ordinal);
        Assert.Contains("unset KUBECTL_REMOTE_COMMAND_WEBSOCKETS", spdy.StandardError, StringComparison.Ordinal);
        Assert.Empty(path.ApiServer.Execs);
        Assert.DoesNotContain(path.ApiServer.Calls, c => c.PathAndQuery.Contains("/exec", StringComparison.Ordinal));
    }
}
