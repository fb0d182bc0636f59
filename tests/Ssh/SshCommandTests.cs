using System.Net;
using TicketGate.Proxy.Audit;
using TicketGate.Proxy.Ssh;
using TicketGate.Workflows.Approvals;

namespace TicketGate.Tests.Ssh;

/// <summary>Commands through the bastion with the real ssh client: allowed, held and approved, rejected, file transfer refused.</summary>
[Collection(SshCollection.Name)]
public sealed class SshCommandTests(SshEnvironment ssh)
{
    [Fact]
    public async Task Read_only_command_runs_at_once_without_a_request()
    {
        var result = await ssh.SshAsync(SshEnvironment.Target, "uname -s; ls / | grep -c . >/dev/null && echo listed");

        Assert.True(result.ExitCode == 0, result.StandardError);
        Assert.Equal("Linux\nlisted\n", result.StandardOutput);
        Assert.DoesNotContain(await ssh.Gateway.RequestsAsync(), r => r.Request.Protocol == "ssh" && r.Request.Command.Contains("uname", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Recursive_delete_is_held_and_runs_once_approved_keeping_its_exit_code()
    {
        var doomed = MakeDirectory();
        var command = $"rm -r {doomed} && echo removed; sh -c 'exit 7'";
        var client = ssh.SshAsync(SshEnvironment.Target, command);

        var held = await ssh.Gateway.WaitForPendingAsync(r => r.Request.Command == command);
        Assert.Equal("ssh", held.Request.Protocol);
        Assert.Equal(SshEnvironment.Target, held.Request.Connection);
        Assert.Equal("agent-7", held.Request.Requester);
        Assert.Equal(RiskTier.Medium, held.Request.Tier);
        Assert.Equal("ssh-recursive-delete", held.Request.Rule);
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.False(client.IsCompleted, "the held command's ssh finished before any decision");
        Assert.True(Directory.Exists(doomed), "the held command ran before it was approved");

        var approval = await ssh.Gateway.ApproveAsync(held.Request.Id, "alice");
        var result = await client;

        Assert.Equal(HttpStatusCode.OK, approval.StatusCode);
        Assert.Equal(7, result.ExitCode);
        Assert.Equal("removed\n", result.StandardOutput);
        Assert.Contains($"held for approval as request {held.Request.Id}", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("approved by alice", result.StandardError, StringComparison.Ordinal);
        Assert.False(Directory.Exists(doomed));
        var audit = await ssh.Gateway.WaitForAuditAsync(a => a.Entry.RequestId == held.Request.Id);
        Assert.Equal("exit 7", audit.Entry.CommandTag);
        Assert.Equal(["alice"], audit.Entry.DecidedBy);
    }

    [Fact]
    public async Task Approved_command_ends_while_the_agent_keeps_its_input_open()
    {
        // As from a terminal: ssh's stdin stays open, so the shim never reports the end of input.
        var command = "systemctl restart tg-no-such-unit 2>/dev/null; echo restarted; exit 4";
        var start = new System.Diagnostics.ProcessStartInfo("ssh", ["-F", ssh.ConfigFile, "-o", "BatchMode=yes", SshEnvironment.Target, command])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var client = System.Diagnostics.Process.Start(start)!;
        var stdout = client.StandardOutput.ReadToEndAsync();
        var held = await ssh.Gateway.WaitForPendingAsync(r => r.Request.Command == command);
        Assert.Equal("ssh-service-changes", held.Request.Rule);

        await ssh.Gateway.ApproveAsync(held.Request.Id, "alice");
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await client.WaitForExitAsync(deadline.Token);

        Assert.Equal(4, client.ExitCode);
        Assert.Equal("restarted\n", await stdout);
        client.StandardInput.Close();
    }

    [Fact]
    public async Task Rejected_command_is_not_run_and_exits_non_zero_with_the_reason()
    {
        var kept = MakeDirectory();
        var command = $"sudo rm -rf {kept}";
        var client = ssh.SshAsync(SshEnvironment.Target, command);
        var held = await ssh.Gateway.WaitForPendingAsync(r => r.Request.Command == command);

        var rejection = await ssh.Gateway.RejectAsync(held.Request.Id, "not during the release freeze", "bob");
        var result = await client;

        Assert.Equal(HttpStatusCode.OK, rejection.StatusCode);
        Assert.Equal(SshCommandSession.RefusedExitCode, result.ExitCode);
        Assert.Contains("rejected by bob: not during the release freeze", result.StandardError, StringComparison.Ordinal);
        Assert.Equal("", result.StandardOutput);
        Assert.True(Directory.Exists(kept));
    }

    [Theory]
    [InlineData("scp -t /tmp/upload")]
    [InlineData("scp -f /etc/hostname")]
    [InlineData("internal-sftp")]
    public async Task File_transfer_is_refused_with_a_message(string command)
    {
        var result = await ssh.SshAsync(SshEnvironment.Target, command);

        Assert.Equal(SshCommandSession.RefusedExitCode, result.ExitCode);
        Assert.Contains("file transfer (scp, sftp) is not available through TicketGate", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sftp_subsystem_is_refused()
    {
        var result = await SshEnvironment.RunAsync("sftp", ["-F", ssh.ConfigFile, "-o", "BatchMode=yes", "-b", "-", SshEnvironment.Target], "ls\n");

        Assert.NotEqual(0, result.ExitCode);
        Assert.DoesNotContain(await ssh.Gateway.RequestsAsync(), r => r.Request.Protocol == "ssh" && r.Request.Command.Contains("sftp", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Unknown_target_is_refused_naming_the_known_ones()
    {
        var result = await ssh.SshAsync("-o", "SetEnv=TG_TARGET=nosuchhost", SshEnvironment.Target, "uname");

        Assert.Equal(SshCommandSession.RefusedExitCode, result.ExitCode);
        Assert.Contains("there is no SSH target \"nosuchhost\"; known targets: db1", result.StandardError, StringComparison.Ordinal);
        var audit = await ssh.Gateway.WaitForAuditAsync(a => a.Entry.Protocol == "ssh" && a.Entry.Connection == "nosuchhost");
        Assert.Equal(AuditDecision.Blocked, audit.Entry.Decision);
        Assert.Equal("agent-7", audit.Entry.Subject);
    }

    [Fact]
    public async Task Held_command_is_withdrawn_when_the_agent_disconnects_and_never_runs()
    {
        var kept = MakeDirectory();
        var command = $"rm -r {kept}";
        var start = new System.Diagnostics.ProcessStartInfo("ssh", ["-F", ssh.ConfigFile, "-o", "BatchMode=yes", SshEnvironment.Target, command])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var client = System.Diagnostics.Process.Start(start)!;
        var held = await ssh.Gateway.WaitForPendingAsync(r => r.Request.Command == command);

        client.Kill();
        await client.WaitForExitAsync();
        var decided = await ssh.Gateway.WaitForDecisionAsync(held.Request.Id);
        var approval = await ssh.Gateway.ApproveAsync(held.Request.Id, "alice");

        Assert.Equal(ApprovalStatus.Withdrawn, decided.Status);
        Assert.NotEqual(HttpStatusCode.OK, approval.StatusCode);
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.True(Directory.Exists(kept));
    }

    private string MakeDirectory()
    {
        var path = Path.Combine(ssh.Folder, "work-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Path.Combine(path, "inner"));
        File.WriteAllText(Path.Combine(path, "inner", "file"), "x");
        return path;
    }
}
