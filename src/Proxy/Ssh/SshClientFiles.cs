using System.Globalization;
using System.Text;

namespace TicketGate.Proxy.Ssh;

/// <summary>
/// The agent's side of the SSH path, in one folder (default ~/.ssh/ticketgate): its key (made once), the certificate TicketGate
/// signed, a known_hosts with the bastion's host CA, and an ssh config with one Host block per target. Use it with
/// `ssh -F FOLDER/config TARGET 'command'`, or put `Include ~/.ssh/ticketgate/config` at the top of ~/.ssh/config.
/// </summary>
public sealed class SshClientFiles(string folder)
{
    public string Folder { get; } = Path.GetFullPath(folder);
    public string KeyFile => Path.Combine(Folder, "id_ecdsa");
    public string CertificateFile => KeyFile + "-cert.pub";
    public string KnownHostsFile => Path.Combine(Folder, "known_hosts");
    public string ConfigFile => Path.Combine(Folder, "config");

    public static string DefaultFolder() =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".ssh", "ticketgate");

    /// <summary>The agent's key, made (and written, owner-only) when the folder has none.</summary>
    public SshKey LoadOrCreateKey()
    {
        Directory.CreateDirectory(Folder);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(Folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return SshKey.LoadOrCreate(KeyFile);
    }

    public void Write(SshLoginGrant grant)
    {
        File.WriteAllText(CertificateFile, grant.Certificate + "\n");
        var hostPattern = grant.BastionPort == 22 ? grant.BastionHost : $"[{grant.BastionHost}]:{grant.BastionPort}";
        File.WriteAllText(KnownHostsFile, $"@cert-authority {hostPattern} {grant.HostCa}\n");
        var config = new StringBuilder();
        config.AppendLine(CultureInfo.InvariantCulture, $"# Written by `ticketgate ssh-login`; the certificate is valid until {grant.ValidBefore:u}. Run it again for a new one.");
        foreach (var target in grant.Targets)
        {
            config.AppendLine(CultureInfo.InvariantCulture, $"Host {target}");
            config.AppendLine(CultureInfo.InvariantCulture, $"  HostName {grant.BastionHost}");
            config.AppendLine(CultureInfo.InvariantCulture, $"  Port {grant.BastionPort}");
            config.AppendLine(CultureInfo.InvariantCulture, $"  User {grant.LoginUser}");
            config.AppendLine(CultureInfo.InvariantCulture, $"  IdentityFile {KeyFile}");
            config.AppendLine(CultureInfo.InvariantCulture, $"  CertificateFile {CertificateFile}");
            config.AppendLine("  IdentitiesOnly yes");
            config.AppendLine(CultureInfo.InvariantCulture, $"  UserKnownHostsFile {KnownHostsFile}");
            config.AppendLine("  StrictHostKeyChecking yes");
            config.AppendLine("  ForwardAgent no");
            config.AppendLine("  ForwardX11 no");
            config.AppendLine(CultureInfo.InvariantCulture, $"  SetEnv TG_TARGET={target}");
            config.AppendLine();
        }
        File.WriteAllText(ConfigFile, config.ToString());
    }
}
