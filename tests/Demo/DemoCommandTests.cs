using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using TicketGate.Tests.Fixtures;

namespace TicketGate.Tests.Demo;

/// <summary>`ticketgate demo` as a user runs it: a separate process, its printed psql line run by a shell, stopped by a signal.</summary>
public sealed partial class DemoCommandTests(PostgresClusterFixture postgres)
{
    private static readonly string TicketGateDll = Path.Combine(AppContext.BaseDirectory, "ticketgate.dll");

    [Fact]
    public async Task Demo_prints_a_psql_line_that_works_stops_on_sigterm_and_reuses_its_folder_on_restart()
    {
        await postgres.ClusterAsync();
        var folder = Path.Combine(Path.GetTempPath(), "ticketgate-demo-test-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            string psqlLine;
            await using (var demo = await DemoProcess.StartAsync(folder))
            {
                psqlLine = demo.PsqlLine;
                var first = await RunShellAsync(psqlLine.Replace("psql \"", "psql -X -At -c 'SELECT count(*) FROM customers' \""));
                Assert.True(first.ExitCode == 0, first.Output);
                Assert.Equal("300", first.Output.Trim().Split('\n')[^1]);

                // A held DELETE, approved from "a second terminal" with the CLI, runs: the whole decision path in the real process.
                var held = RunShellAsync(psqlLine.Replace("psql \"", "psql -X -c 'DELETE FROM payments WHERE id = 9' \""));
                var requestId = await PendingRequestAsync(folder);
                var approval = await RunShellAsync($"$TICKETGATE_SELF requests approve {requestId} --as alice --reason 'demo test' --data-dir {folder}");
                Assert.True(approval.ExitCode == 0, approval.Output);
                var deleted = await held;
                Assert.True(deleted.ExitCode == 0, deleted.Output);
                Assert.Contains("DELETE 1", deleted.Output, StringComparison.Ordinal);

                Assert.Equal(0, await demo.TerminateAsync());
                Assert.Contains("Stopped; the data folder is kept", demo.Output, StringComparison.Ordinal);
            }
            Assert.False(File.Exists(Path.Combine(folder, "postgres", "pgdata", "postmaster.pid")), "the demo's PostgreSQL is still running");

            await using (var again = await DemoProcess.StartAsync(folder))
            {
                var second = await RunShellAsync(again.PsqlLine.Replace("psql \"", "psql -X -At -c 'SELECT count(*) FROM orders' \""));
                Assert.True(second.ExitCode == 0, second.Output);
                Assert.Equal("600", second.Output.Trim().Split('\n')[^1]);
                Assert.DoesNotContain("Creating a PostgreSQL cluster", again.Output, StringComparison.Ordinal);
                Assert.Equal(0, await again.TerminateAsync());
            }
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<string> PendingRequestAsync(string folder)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            var list = await RunShellAsync($"$TICKETGATE_SELF requests list --json --status pending --data-dir {folder}");
            if (list.ExitCode == 0)
            {
                using var requests = System.Text.Json.JsonDocument.Parse(list.Output.Trim());
                if (requests.RootElement.GetArrayLength() > 0) return requests.RootElement[0].GetProperty("id").GetString()!;
            }
            await Task.Delay(300);
        }
        throw new TimeoutException("the held DELETE never showed up as a pending request");
    }

    private static async Task<(int ExitCode, string Output)> RunShellAsync(string command)
    {
        var start = new ProcessStartInfo("bash", ["-c", command]) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["TICKETGATE_SELF"] = $"dotnet {TicketGateDll}";
        start.Environment["PSQLRC"] = "/dev/null";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (process.ExitCode, await stdout + await stderr);
    }

    private sealed partial class DemoProcess : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();

        private DemoProcess(Process process) => _process = process;

        public string PsqlLine { get; private set; } = "";
        public string Output { get { lock (_output) return _output.ToString(); } }

        public static async Task<DemoProcess> StartAsync(string folder)
        {
            var start = new ProcessStartInfo("dotnet",
                [TicketGateDll, "demo", "--data-dir", folder, "--pg-port", GatewayFixture.FreePort().ToString(), "--http-port", GatewayFixture.FreePort().ToString()])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            start.Environment["TICKETGATE_SELF"] = $"dotnet {TicketGateDll}";
            var demo = new DemoProcess(Process.Start(start)!);
            demo._process.OutputDataReceived += (_, e) => demo.Append(e.Data);
            demo._process.ErrorDataReceived += (_, e) => demo.Append(e.Data);
            demo._process.BeginOutputReadLine();
            demo._process.BeginErrorReadLine();
            var deadline = Stopwatch.StartNew();
            while (deadline.Elapsed < TimeSpan.FromSeconds(90))
            {
                var match = PsqlLinePattern().Match(demo.Output);
                if (match.Success)
                {
                    demo.PsqlLine = match.Value.Trim();
                    return demo;
                }
                if (demo._process.HasExited) throw new InvalidOperationException("the demo exited: " + demo.Output);
                await Task.Delay(200);
            }
            throw new TimeoutException("the demo printed no psql line: " + demo.Output);
        }

        private void Append(string? line)
        {
            if (line is null) return;
            lock (_output) _output.AppendLine(line);
        }

        /// <summary>Sends SIGTERM, as a service manager would, and waits for a clean exit.</summary>
        public async Task<int> TerminateAsync()
        {
            using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString()])) await kill.WaitForExitAsync();
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            return _process.ExitCode;
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
            _process.Dispose();
        }

        [GeneratedRegex(@"PGPASSWORD=\$\(.*\) psql "".*""")]
        private static partial Regex PsqlLinePattern();
    }
}
