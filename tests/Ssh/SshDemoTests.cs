using System.Diagnostics;
using System.Text;
using System.Text.Json;
using TicketGate.Tests.Fixtures;

namespace TicketGate.Tests.Ssh;

/// <summary>
/// `ticketgate demo` with the SSH path, as a user runs it: a separate process (whose socket completions run inline, as in
/// production), the printed ssh-login line, a read and a held command through its bastion and target sshd.
/// </summary>
public sealed class SshDemoTests(PostgresClusterFixture postgres)
{
    private static readonly string TicketGateDll = Path.Combine(AppContext.BaseDirectory, "ticketgate.dll");

    [Fact]
    public async Task Demo_runs_a_bastion_whose_printed_commands_work()
    {
        await postgres.ClusterAsync();
        var folder = Path.Combine(Path.GetTempPath(), "ticketgate-ssh-demo-" + Guid.NewGuid().ToString("N")[..8]);
        var agent = Path.Combine(folder, "agent");
        var output = new StringBuilder();
        var start = new ProcessStartInfo("dotnet",
        [
            TicketGateDll, "demo", "--data-dir", folder, "--pg-port", GatewayFixture.FreePort().ToString(),
            "--http-port", GatewayFixture.FreePort().ToString(), "--ssh-port", FreePortPair().ToString(),
        ])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["TICKETGATE_SELF"] = $"dotnet {TicketGateDll}";
        using var demo = Process.Start(start)!;
        demo.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        demo.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        demo.BeginOutputReadLine();
        demo.BeginErrorReadLine();
        try
        {
            var login = await PrintedLineAsync(demo, output, "ssh-login --as agent-7");
            var self = $"dotnet {TicketGateDll}";
            var loggedIn = await SshEnvironment.RunAsync("bash", ["-c", $"{login.Replace("./ticketgate", self, StringComparison.Ordinal)} --dir {agent}"]);
            Assert.True(loggedIn.ExitCode == 0, loggedIn.StandardError + loggedIn.StandardOutput);

            var read = await SshEnvironment.RunAsync("ssh", ["-F", Path.Combine(agent, "config"), "-o", "BatchMode=yes", "db1", "uptime"]);
            Assert.True(read.ExitCode == 0, read.StandardError);
            Assert.Contains("load average", read.StandardOutput, StringComparison.Ordinal);

            var doomed = Path.Combine(folder, "doomed");
            Directory.CreateDirectory(doomed);
            var held = SshEnvironment.RunAsync("ssh", ["-F", Path.Combine(agent, "config"), "-o", "BatchMode=yes", "db1", $"rm -r {doomed}; exit 5"]);
            var id = await PendingRequestAsync(self, folder);
            var approved = await SshEnvironment.RunAsync("bash", ["-c", $"{self} requests approve {id} --as alice --data-dir {folder}"]);
            Assert.True(approved.ExitCode == 0, approved.StandardError);
            var result = await held;
            Assert.Equal(5, result.ExitCode);
            Assert.False(Directory.Exists(doomed));
        }
        finally
        {
            if (!demo.HasExited)
            {
                using (var kill = Process.Start("kill", ["-TERM", demo.Id.ToString()])) await kill.WaitForExitAsync();
                await demo.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            }
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<string> PrintedLineAsync(Process demo, StringBuilder output, string fragment)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(90))
        {
            string text;
            lock (output) text = output.ToString();
            var line = text.Split('\n').FirstOrDefault(l => l.Contains(fragment, StringComparison.Ordinal));
            if (line is not null) return line.Trim();
            if (text.Contains("SSH: not started", StringComparison.Ordinal) || demo.HasExited) throw new InvalidOperationException("the demo runs without SSH: " + text);
            await Task.Delay(200);
        }
        lock (output) throw new TimeoutException("the demo printed no ssh-login line: " + output);
    }

    private static async Task<string> PendingRequestAsync(string self, string folder)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            var list = await SshEnvironment.RunAsync("bash", ["-c", $"{self} requests list --json --status pending --data-dir {folder}"]);
            if (list.ExitCode == 0)
            {
                using var requests = JsonDocument.Parse(list.StandardOutput.Trim());
                if (requests.RootElement.GetArrayLength() > 0) return requests.RootElement[0].GetProperty("id").GetString()!;
            }
            await Task.Delay(300);
        }
        throw new TimeoutException("the held command never showed up as a pending request");
    }

    /// <summary>A free port whose successor is free too (the demo's target sshd takes the next one).</summary>
    private static int FreePortPair()
    {
        for (var i = 0; i < 50; i++)
        {
            var port = GatewayFixture.FreePort();
            try
            {
                using var next = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, port + 1);
                next.Start();
                return port;
            }
            catch (System.Net.Sockets.SocketException)
            {
            }
        }
        throw new InvalidOperationException("no two free ports in a row");
    }
}
