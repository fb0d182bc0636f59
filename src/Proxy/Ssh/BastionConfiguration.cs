using System.Globalization;
using System.Text;

namespace TicketGate.Proxy.Ssh;

/// <summary>
/// Writes the bastion sshd's files into SSH_DIRECTORY/bastion: its host key and the host certificate TicketGate's host CA signs for
/// it, the user CA's public key sshd trusts, and an sshd_config that lets in only certificates of that CA for the login user, turns
/// every kind of forwarding off, and sends every session to TicketGate's shim (ForceCommand).
/// </summary>
public sealed class BastionConfiguration
{
    private BastionConfiguration(string directory, string configFile, string hostCertificateLine)
    {
        Directory = directory;
        ConfigFile = configFile;
        HostCertificateLine = hostCertificateLine;
    }

    public string Directory { get; }
    /// <summary>The sshd_config to start sshd with (sshd -f).</summary>
    public string ConfigFile { get; }
    public string HostCertificateLine { get; }

    /// <summary>Writes (or rewrites) the bastion's files for <paramref name="options"/>, signing a fresh host certificate.</summary>
    public static BastionConfiguration Write(SshOptions options, SshCertificateAuthority authority)
    {
        var directory = Path.Combine(Path.GetFullPath(options.Directory), "bastion");
        System.IO.Directory.CreateDirectory(directory);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        var hostKeyFile = Path.Combine(directory, "ssh_host_ecdsa_key");
        using var hostKey = SshKey.LoadOrCreate(hostKeyFile);
        var bastion = options.Bastion;
        var names = new List<string> { bastion.HostName };
        if (bastion.Address != bastion.HostName && bastion.Address is not ("0.0.0.0" or "::" or "*")) names.Add(bastion.Address);
        var certificate = authority.IssueHost(hostKey.PublicBlob, names);
        var certificateFile = hostKeyFile + "-cert.pub";
        File.WriteAllText(certificateFile, certificate.ToLine("ticketgate-bastion") + "\n");
        var caFile = Path.Combine(directory, "trusted_user_ca.pub");
        File.WriteAllText(caFile, authority.UserCaLine + "\n");
        var configFile = Path.Combine(directory, "sshd_config");
        File.WriteAllText(configFile, Render(options, hostKeyFile, certificateFile, caFile, Path.Combine(directory, "sshd.pid")));
        return new BastionConfiguration(directory, configFile, certificate.ToLine());
    }

    /// <summary>The ticketgate executable the shim runs: configured, else the apphost beside this assembly, else this process.</summary>
    public static string ShimExecutable(SshOptions options)
    {
        if (options.Bastion.ShimExecutable is { } configured) return configured;
        var beside = Path.Combine(AppContext.BaseDirectory, "ticketgate");
        return File.Exists(beside) ? beside : Environment.ProcessPath ?? beside;
    }

    private static string Render(SshOptions options, string hostKey, string hostCertificate, string userCa, string pidFile)
    {
        var b = options.Bastion;
        var text = new StringBuilder();
        text.AppendLine("# Written by TicketGate; it rewrites this file on every start. See docker/ticketgate.example.yaml (ssh:).");
        text.AppendLine(CultureInfo.InvariantCulture, $"Port {b.Port}");
        text.AppendLine(CultureInfo.InvariantCulture, $"ListenAddress {b.Address}");
        text.AppendLine(CultureInfo.InvariantCulture, $"HostKey {hostKey}");
        text.AppendLine(CultureInfo.InvariantCulture, $"HostCertificate {hostCertificate}");
        text.AppendLine(CultureInfo.InvariantCulture, $"PidFile {pidFile}");
        // Only TicketGate's certificates, only for the login user, whose name is the certificates' one principal.
        text.AppendLine(CultureInfo.InvariantCulture, $"TrustedUserCAKeys {userCa}");
        text.AppendLine("AuthorizedKeysFile none");
        text.AppendLine("AuthorizedPrincipalsFile none");
        text.AppendLine(CultureInfo.InvariantCulture, $"AllowUsers {b.LoginUser}");
        text.AppendLine("PubkeyAuthentication yes");
        text.AppendLine("PubkeyAcceptedAlgorithms ecdsa-sha2-nistp256-cert-v01@openssh.com");
        text.AppendLine("PasswordAuthentication no");
        text.AppendLine("KbdInteractiveAuthentication no");
        text.AppendLine("HostbasedAuthentication no");
        text.AppendLine("PermitRootLogin no");
        text.AppendLine("UsePAM no");
        text.AppendLine("StrictModes yes");
        // The shim reads the certificate sshd accepted from $SSH_USER_AUTH and the target from TG_TARGET.
        text.AppendLine("ExposeAuthInfo yes");
        text.AppendLine("AcceptEnv TG_TARGET");
        text.AppendLine("PermitUserEnvironment no");
        // No -L, -R, -W, -D, -A, tun or X11: everything goes through the shim as a command or a shell.
        text.AppendLine("DisableForwarding yes");
        text.AppendLine("AllowTcpForwarding no");
        text.AppendLine("AllowAgentForwarding no");
        text.AppendLine("AllowStreamLocalForwarding no");
        text.AppendLine("X11Forwarding no");
        text.AppendLine("PermitTunnel no");
        text.AppendLine("PermitUserRC no");
        text.AppendLine("PermitTTY yes");
        text.AppendLine("PrintMotd no");
        text.AppendLine("PrintLastLog no");
        text.AppendLine("Banner none");
        // sftp and scp arrive at the shim as "internal-sftp" or "scp -t/-f"; it refuses them with a message.
        text.AppendLine("Subsystem sftp internal-sftp");
        text.AppendLine("LoginGraceTime 30");
        text.AppendLine("MaxAuthTries 3");
        text.AppendLine("ClientAliveInterval 30");
        text.AppendLine("LogLevel VERBOSE");
        text.AppendLine(CultureInfo.InvariantCulture, $"ForceCommand {Quote(ShimExecutable(options))} ssh-shim --socket {Quote(options.SocketPath)}");
        return text.ToString();
    }

    /// <summary>Single-quotes a word for the login shell that runs ForceCommand.</summary>
    private static string Quote(string word) => "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
