using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace TicketGate.Proxy.Ssh;

/// <summary>
/// Runs an OpenSSH sshd in the foreground (-D -e) with a given config, its log lines passed to a logger, and stops it on dispose.
/// Used for the bastion TicketGate manages and for the demo's target host. sshd needs root to switch to the logged-in user and an
/// absolute path to re-execute itself.
/// </summary>
public sealed partial class BastionProcess : IAsyncDisposable
{
    public const string DefaultSshd = "/usr/sbin/sshd";
    private readonly Process _process;
    private readonly ILogger _logger;
    private readonly Task _log;

    private BastionProcess(Process process, ILogger logger)
    {
        _process = process;
        _logger = logger;
        _log = Task.Run(PumpLogAsync);
    }

    public int ProcessId => _process.Id;

    /// <summary>Whether sshd is installed where TicketGate looks for it; the message says how to get it when not.</summary>
    public static string? Missing(string sshd = DefaultSshd) => File.Exists(sshd)
        ? null
        : $"OpenSSH's server is not installed ({sshd} is missing); install it with `apt-get install openssh-server` (Debian, Ubuntu) to use the SSH path";

    /// <summary>Checks the config with sshd -t, starts sshd and waits until it accepts connections on <paramref name="port"/>.</summary>
    public static async Task<BastionProcess> StartAsync(string configFile, string address, int port, ILogger logger, string sshd = DefaultSshd,
        CancellationToken cancellationToken = default)
    {
        if (Missing(sshd) is { } missing) throw new InvalidOperationException(missing);
        // Privilege separation needs its empty directory; a system that never ran sshd may not have it.
        if (Environment.UserName == "root" && !Directory.Exists("/run/sshd")) Directory.CreateDirectory("/run/sshd");
        var check = await RunCheckAsync(sshd, configFile, cancellationToken).ConfigureAwait(false);
        if (check is not null) throw new InvalidOperationException($"sshd refused the configuration {configFile}: {check}");

        var start = new ProcessStartInfo(sshd)
        {
            UseShellExecute = false,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            WorkingDirectory = "/",
        };
        foreach (var argument in (string[])["-D", "-e", "-f", configFile]) start.ArgumentList.Add(argument);
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {sshd}");
        var running = new BastionProcess(process, logger);
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                await running._log.ConfigureAwait(false);
                throw new InvalidOperationException($"sshd ({configFile}) exited at start with status {process.ExitCode}; its log is above");
            }
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(address is "0.0.0.0" or "*" ? "127.0.0.1" : address, port, cancellationToken).ConfigureAwait(false);
                return running;
            }
            catch (SocketException) when (deadline.Elapsed < TimeSpan.FromSeconds(15))
            {
                await Task.Delay(50, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static async Task<string?> RunCheckAsync(string sshd, string configFile, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(sshd) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in (string[])["-t", "-f", configFile]) start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {sshd}");
        var error = await process.StandardError.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        return process.ExitCode == 0 ? null : error.Trim();
    }

    private async Task PumpLogAsync()
    {
        while (await _process.StandardError.ReadLineAsync().ConfigureAwait(false) is { } line) LogLine(_logger, _process.Id, line);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            // SIGTERM: sshd closes its listener; sessions already running end with their clients.
            _process.Kill(entireProcessTree: false);
            await _process.WaitForExitAsync().ConfigureAwait(false);
        }
        await _log.ConfigureAwait(false);
        _process.Dispose();
    }

    [LoggerMessage(700, LogLevel.Debug, "sshd[{Pid}]: {Line}")]
    private static partial void LogLine(ILogger logger, int pid, string line);
}
