using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Logging;
using TicketGate.Proxy.Configuration;
using TicketGate.Proxy.Ssh;
using TicketGate.Tests.Fixtures;

namespace TicketGate.Tests.Ssh;

/// <summary>
/// The SSH path end to end on loopback: a gateway whose config has an <c>ssh:</c> section (it writes and runs the bastion sshd),
/// a target sshd with its own config and host key in a temp folder, and an agent folder filled by the real `ticketgate ssh-login`.
/// Every part is real: Debian's sshd twice, the ssh client, the ticketgate executable as the bastion's shim.
/// </summary>
public sealed class SshEnvironment(PostgresClusterFixture postgres) : IAsyncLifetime
{
    public const string Target = "db1";
    public const string LoginUser = "tg-agent";
    public static readonly TimeSpan SessionLimit = TimeSpan.FromSeconds(20);

    private string? _folder;
    private BastionProcess? _targetSshd;
    private GatewayFixture? _gateway;

    public GatewayFixture Gateway => _gateway ?? throw new InvalidOperationException("not started");
    public string Folder => _folder ?? throw new InvalidOperationException("not started");
    public string SshDirectory => Path.Combine(Folder, "ticketgate-ssh");
    public string AgentFolder => Path.Combine(Folder, "agent");
    public string TargetFolder => Path.Combine(Folder, "target");
    public string ConfigFile => Path.Combine(AgentFolder, "config");
    public int BastionPort { get; private set; }
    public int TargetPort { get; private set; }
    public static string Executable => Path.Combine(AppContext.BaseDirectory, "ticketgate");

    public async ValueTask InitializeAsync()
    {
        // The bastion's login account must reach the shim socket and the ticketgate executable: the folder is world-traversable.
        _folder = Path.Combine(Path.GetTempPath(), "ticketgate-ssh-tests-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_folder);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(_folder, (UnixFileMode)0b111_101_101);
        Directory.CreateDirectory(TargetFolder);
        await BastionAccount.EnsureAsync(LoginUser);

        // The target: TicketGate logs in to it with a key only TicketGate holds.
        using var upstreamKey = SshKey.Create();
        var upstreamKeyFile = Path.Combine(TargetFolder, "ticketgate_upstream_key");
        upstreamKey.Save(upstreamKeyFile);
        using var targetHostKey = SshKey.Create();
        targetHostKey.Save(Path.Combine(TargetFolder, "ssh_host_ecdsa_key"));
        await File.WriteAllTextAsync(Path.Combine(TargetFolder, "authorized_keys"), upstreamKey.PublicLine("ticketgate") + "\n");
        var targetPort = TargetPort = GatewayFixture.FreePort();
        var targetConfig = Path.Combine(TargetFolder, "sshd_config");
        await File.WriteAllTextAsync(targetConfig, $"""
            Port {targetPort}
            ListenAddress 127.0.0.1
            HostKey {TargetFolder}/ssh_host_ecdsa_key
            PidFile {TargetFolder}/sshd.pid
            AuthorizedKeysFile {TargetFolder}/authorized_keys
            PermitRootLogin prohibit-password
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            UsePAM no
            StrictModes no
            PrintMotd no
            PrintLastLog no

            """);
        _targetSshd = await BastionProcess.StartAsync(targetConfig, "127.0.0.1", targetPort, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);

        BastionPort = GatewayFixture.FreePort();
        var ssh = new SshOptions
        {
            Directory = SshDirectory,
            Bastion = new BastionOptions { Address = "127.0.0.1", Port = BastionPort, LoginUser = LoginUser, Managed = true, ShimExecutable = Executable },
            // Short, so a test can watch an approved shell being closed when its time is up.
            SessionLimit = SessionLimit,
            Targets = new Dictionary<string, SshTargetDefinition>
            {
                [Target] = new()
                {
                    Name = Target,
                    Host = "127.0.0.1",
                    Port = targetPort,
                    User = Environment.UserName,
                    Key = SecretReference.FromFile(upstreamKeyFile),
                    HostKeyFingerprint = targetHostKey.Fingerprint,
                    Tags = new Dictionary<string, string> { ["env"] = "test" },
                    ApproverGroups = ["dba"],
                },
            },
        };
        _gateway = await GatewayFixture.StartAsync(postgres, options => options with { Ssh = ssh });
        var login = await RunAsync(Executable, ["ssh-login", "--dir", AgentFolder, "--url", Gateway.HttpUrl, "--token", Gateway.Token()]);
        if (login.ExitCode != 0) throw new InvalidOperationException($"ssh-login failed: {login.StandardError}{login.StandardOutput}");
    }

    /// <summary>Runs the real ssh client with the config ssh-login wrote; stdin is empty unless given.</summary>
    public Task<ProcessResult> SshAsync(params string[] arguments) =>
        RunAsync("ssh", ["-F", ConfigFile, "-o", "BatchMode=yes", "-o", "ConnectTimeout=10", .. arguments]);

    public static async Task<ProcessResult> RunAsync(string program, IEnumerable<string> arguments, string? standardInput = null, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(program)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (standardInput is not null) await process.StandardInput.WriteAsync(standardInput);
        process.StandardInput.Close();
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', arguments)} did not finish in time; stderr so far: {await stderr}");
        }
        return new ProcessResult(process.ExitCode, await stdout, await stderr);
    }

    public async ValueTask DisposeAsync()
    {
        if (_gateway is not null) await _gateway.DisposeAsync();
        if (_targetSshd is not null) await _targetSshd.DisposeAsync();
        try
        {
            if (_folder is not null) Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>The SSH test classes share one environment (gateway, bastion, target): starting sshd twice and a gateway costs more than the tests.</summary>
[CollectionDefinition(Name)]
public sealed class SshCollection : ICollectionFixture<SshEnvironment>
{
    public const string Name = "ssh";
}

public sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError);
