using Microsoft.Extensions.Logging;
using TicketGate.Proxy.Configuration;
using TicketGate.Proxy.Ssh;

namespace TicketGate.Proxy.Demo;

/// <summary>
/// The demo's SSH path: a target sshd (this machine, logged in to as the demo's own user with a key only TicketGate holds) and the
/// options for the bastion, which the gateway then writes and runs. Needs OpenSSH's server and root; without them the demo runs
/// without SSH and says why.
/// </summary>
public sealed class DemoSsh : IAsyncDisposable
{
    public const int DefaultBastionPort = 15222;
    public const string Target = "db1";

    private readonly BastionProcess _target;

    private DemoSsh(SshOptions options, BastionProcess target)
    {
        Options = options;
        _target = target;
    }

    public SshOptions Options { get; }

    /// <summary>Why the demo runs without SSH on this machine, or null when it can have it.</summary>
    public static string? Unavailable() =>
        BastionProcess.Missing() is { } missing ? missing
        : Environment.UserName != "root" ? "the SSH bastion needs root (sshd switches to its login account); run the demo as root to try ssh"
        : null;

    /// <summary>The demo's SSH path, or null and why not (not installed, not root, a port taken).</summary>
    public static async Task<(DemoSsh? Ssh, string? Why)> TryStartAsync(DemoFolder folder, int bastionPort, ILogger logger, CancellationToken cancellationToken)
    {
        if (Unavailable() is { } why) return (null, why);
        try
        {
            return (await StartAsync(folder, bastionPort, logger, cancellationToken).ConfigureAwait(false), null);
        }
        catch (InvalidOperationException e)
        {
            return (null, e.Message);
        }
    }

    /// <summary>Starts the target sshd on <paramref name="bastionPort"/> + 1 and returns the bastion's options (port <paramref name="bastionPort"/>).</summary>
    public static async Task<DemoSsh> StartAsync(DemoFolder folder, int bastionPort, ILogger logger, CancellationToken cancellationToken)
    {
        var sshDirectory = Path.Combine(folder.Path, "ssh");
        var targetDirectory = Path.Combine(folder.Path, "ssh-target");
        Directory.CreateDirectory(sshDirectory);
        Directory.CreateDirectory(targetDirectory);
        // The bastion's login account reaches the shim socket through these folders.
        foreach (var path in (string[])[folder.Path, sshDirectory])
        {
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, (UnixFileMode)0b111_101_101);
        }
        var upstreamKeyFile = Path.Combine(targetDirectory, "ticketgate_upstream_key");
        using var upstreamKey = SshKey.LoadOrCreate(upstreamKeyFile);
        using var hostKey = SshKey.LoadOrCreate(Path.Combine(targetDirectory, "ssh_host_ecdsa_key"));
        await File.WriteAllTextAsync(Path.Combine(targetDirectory, "authorized_keys"), upstreamKey.PublicLine("ticketgate-demo") + "\n", cancellationToken).ConfigureAwait(false);
        var targetPort = bastionPort + 1;
        var config = Path.Combine(targetDirectory, "sshd_config");
        await File.WriteAllTextAsync(config, $"""
            # The demo's target host: only TicketGate's key may log in.
            Port {targetPort}
            ListenAddress 127.0.0.1
            HostKey {targetDirectory}/ssh_host_ecdsa_key
            PidFile {targetDirectory}/sshd.pid
            AuthorizedKeysFile {targetDirectory}/authorized_keys
            PermitRootLogin prohibit-password
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            UsePAM no
            StrictModes no
            PrintMotd no
            DisableForwarding yes

            """, cancellationToken).ConfigureAwait(false);
        var target = await BastionProcess.StartAsync(config, "127.0.0.1", targetPort, logger, cancellationToken: cancellationToken).ConfigureAwait(false);
        var options = new SshOptions
        {
            Directory = sshDirectory,
            Bastion = new BastionOptions { Address = "127.0.0.1", Port = bastionPort, Managed = true },
            Targets = new Dictionary<string, SshTargetDefinition>
            {
                [Target] = new()
                {
                    Name = Target,
                    Host = "127.0.0.1",
                    Port = targetPort,
                    User = Environment.UserName,
                    Key = SecretReference.FromFile(upstreamKeyFile),
                    HostKeyFingerprint = hostKey.Fingerprint,
                    Tags = new Dictionary<string, string> { ["env"] = "demo" },
                    ApproverGroups = [Identity.DemoDirectory.DbaGroup],
                },
            },
        };
        return new DemoSsh(options, target);
    }

    /// <summary>The welcome text's SSH part.</summary>
    public string Welcome(string self, string dataDirFlag) => $"""
        SSH through the bastion 127.0.0.1:{Options.Bastion.Port} (target "{Target}" is this machine's sshd on port {Options.Targets[Target].Port}):

          {self} ssh-login --as agent-7{dataDirFlag}
          ssh -F ~/.ssh/ticketgate/config {Target} 'uptime; systemctl status nginx'     # reads: run at once
          ssh -F ~/.ssh/ticketgate/config {Target} 'rm -r /tmp/tg-demo'                 # held; approve as above
          ssh -F ~/.ssh/ticketgate/config {Target}                                      # a shell: one approval, recorded

        """;

    public ValueTask DisposeAsync() => _target.DisposeAsync();
}
