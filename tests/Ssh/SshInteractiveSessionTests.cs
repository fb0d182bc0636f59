using System.Diagnostics;
using System.Text;
using System.Text.Json;
using TicketGate.Workflows.Approvals;

namespace TicketGate.Tests.Ssh;

/// <summary>An interactive shell (ssh -tt in a pseudo-terminal made by script(1)): one approval, then a recorded, replayable session.</summary>
[Collection(SshCollection.Name)]
public sealed class SshInteractiveSessionTests(SshEnvironment ssh)
{
    [Fact]
    public async Task Interactive_shell_is_approved_once_recorded_and_replayed()
    {
        await using var terminal = Terminal.Start($"stty cols 100 rows 30; exec ssh -tt -F {ssh.ConfigFile} -o BatchMode=yes {SshEnvironment.Target}");

        var held = await ssh.Gateway.WaitForPendingAsync(r => r.Request.Protocol == "ssh" && r.Request.Command.StartsWith("interactive shell", StringComparison.Ordinal));
        Assert.Equal("ssh-interactive-shell", held.Request.Rule);
        Assert.Contains("100x30", held.Request.Command, StringComparison.Ordinal);
        await terminal.WaitForAsync("held for approval as request");
        Assert.Equal(System.Net.HttpStatusCode.OK, (await ssh.Gateway.ApproveAsync(held.Request.Id, "alice")).StatusCode);
        await terminal.WaitForAsync("approved by alice");
        await terminal.TypeAsync("echo tg-$((6*7))\r");
        await terminal.WaitForAsync("tg-42");
        // The bastion's terminal is in raw mode while relaying: the target's line ends pass through untouched, not as \r\r\n.
        await terminal.WaitForAsync("tg-42\r\n");
        Assert.DoesNotContain("tg-42\r\r\n", terminal.Screen, StringComparison.Ordinal);
        // A second command in the same shell needs no second approval.
        await terminal.TypeAsync("echo second-$((1+1))\r");
        await terminal.WaitForAsync("second-2");
        await terminal.TypeAsync("exit\r");
        var exitCode = await terminal.ExitAsync();

        Assert.Equal(0, exitCode);
        var sessionId = Guid.Parse(held.Request.SessionId!);
        Assert.Single(await ssh.Gateway.RequestsAsync(), r => r.Request.SessionId == held.Request.SessionId);
        var (session, events) = await ssh.Gateway.RecordedSessionAsync(sessionId);
        Assert.Equal("ssh", session.Protocol);
        Assert.Equal(SshEnvironment.Target, session.Connection);
        Assert.Equal("agent-7", session.Subject);
        Assert.NotEmpty(events);

        var token = ssh.Gateway.Token("alice", ["dba"]);
        var replay = await SshEnvironment.RunAsync(SshEnvironment.Executable, ["replay", sessionId.ToString(), "--speed", "0", "--url", ssh.Gateway.HttpUrl, "--token", token]);
        Assert.True(replay.ExitCode == 0, replay.StandardError);
        Assert.Contains("-- ssh interactive shell (xterm 100x30)", replay.StandardOutput, StringComparison.Ordinal);
        Assert.Contains($"TicketGate held this as request {held.Request.Id}", replay.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("tg-42", replay.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("second-2", replay.StandardOutput, StringComparison.Ordinal);

        var cast = await SshEnvironment.RunAsync(SshEnvironment.Executable, ["replay", sessionId.ToString(), "--asciicast", "--url", ssh.Gateway.HttpUrl, "--token", token]);
        Assert.True(cast.ExitCode == 0, cast.StandardError);
        var lines = cast.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        using var header = JsonDocument.Parse(lines[0]);
        Assert.Equal(2, header.RootElement.GetProperty("version").GetInt32());
        Assert.Equal(100, header.RootElement.GetProperty("width").GetInt32());
        Assert.Equal(30, header.RootElement.GetProperty("height").GetInt32());
        var output = new StringBuilder();
        var previous = 0.0;
        foreach (var line in lines.Skip(1))
        {
            using var e = JsonDocument.Parse(line);
            var time = e.RootElement[0].GetDouble();
            Assert.True(time >= previous, "asciicast events must be in time order");
            previous = time;
            if (e.RootElement[1].GetString() == "o") output.Append(e.RootElement[2].GetString());
        }
        Assert.Contains("tg-42", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Approved_shell_is_closed_when_its_time_is_up()
    {
        await using var terminal = Terminal.Start($"exec ssh -tt -F {ssh.ConfigFile} -o BatchMode=yes {SshEnvironment.Target}");
        var held = await ssh.Gateway.WaitForPendingAsync(r => r.Request.Protocol == "ssh" && r.Request.Command.StartsWith("interactive shell", StringComparison.Ordinal));
        Assert.Contains("at most 20s", held.Request.Command, StringComparison.Ordinal);
        await ssh.Gateway.ApproveAsync(held.Request.Id, "alice");
        await terminal.WaitForAsync("approved by alice");

        // Nobody types: the shell stays open until the approved time runs out, then TicketGate closes it.
        await terminal.WaitForAsync("the approved session time (20s) is over; closing");
        await terminal.ExitAsync();
    }

    /// <summary>A command run by script(1) in a fresh pseudo-terminal, typed into through its stdin, its screen read from its stdout.</summary>
    private sealed class Terminal : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _screen = new();
        private readonly Task _reader;

        private Terminal(Process process)
        {
            _process = process;
            _reader = Task.Run(async () =>
            {
                var buffer = new char[4096];
                int read;
                while ((read = await process.StandardOutput.ReadAsync(buffer)) > 0)
                {
                    lock (_screen) _screen.Append(buffer, 0, read);
                }
            });
        }

        public static Terminal Start(string command)
        {
            var start = new ProcessStartInfo("script")
            {
                UseShellExecute = false,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (var argument in (string[])["-q", "-f", "-e", "-c", command, "/dev/null"]) start.ArgumentList.Add(argument);
            start.Environment["TERM"] = "xterm";
            return new Terminal(Process.Start(start)!);
        }

        public string Screen
        {
            get
            {
                lock (_screen) return _screen.ToString();
            }
        }

        public async Task WaitForAsync(string text)
        {
            var deadline = Stopwatch.StartNew();
            while (!Screen.Contains(text, StringComparison.Ordinal))
            {
                if (deadline.Elapsed > TimeSpan.FromSeconds(30) || _process.HasExited)
                {
                    throw new TimeoutException($"\"{text}\" did not appear on the terminal; it shows:\n{Screen}");
                }
                await Task.Delay(50);
            }
        }

        public async Task TypeAsync(string keys)
        {
            await _process.StandardInput.WriteAsync(keys);
            await _process.StandardInput.FlushAsync();
        }

        public async Task<int> ExitAsync()
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await _process.WaitForExitAsync(deadline.Token);
            await _reader;
            return _process.ExitCode;
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
            _process.Dispose();
        }
    }
}
