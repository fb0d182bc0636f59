using TicketGate.Proxy.Configuration;

namespace TicketGate.Proxy.Ssh;

/// <summary>
/// The SSH path (config section <c>ssh:</c>): TicketGate's CAs and the bastion's files live in <see cref="Directory"/>; agents reach the
/// targets through the bastion sshd, whose ForceCommand hands each command to TicketGate over <see cref="SocketPath"/>.
/// </summary>
public sealed class SshOptions
{
    /// <summary>Where the user and host CA keys, the bastion's host key, certificate and sshd_config are kept (root-owned, created on start).</summary>
    public required string Directory { get; init; }
    /// <summary>The Unix socket the shim connects to; only the bastion's login user may use it.</summary>
    public string? Socket { get; init; }
    public BastionOptions Bastion { get; init; } = new();
    /// <summary>How long an agent's certificate lives (5 to 15 minutes).</summary>
    public TimeSpan CertificateLifetime { get; init; } = TimeSpan.FromMinutes(10);
    /// <summary>How long an approved interactive shell may last before TicketGate closes it.</summary>
    public TimeSpan SessionLimit { get; init; } = TimeSpan.FromMinutes(30);
    /// <summary>How long the shim has to say what it wants after connecting.</summary>
    public TimeSpan HelloTimeout { get; init; } = TimeSpan.FromSeconds(10);
    public IReadOnlyDictionary<string, SshTargetDefinition> Targets { get; init; } = new Dictionary<string, SshTargetDefinition>();

    public string SocketPath => Socket ?? Path.Combine(Directory, "shim.sock");
}

/// <summary>The OpenSSH sshd agents log in to. TicketGate writes its config; with <see cref="Managed"/> it runs it too.</summary>
public sealed class BastionOptions
{
    public string Address { get; init; } = "127.0.0.1";
    public int Port { get; init; } = 2222;
    /// <summary>The host name agents' ssh config uses (HostName) and the host certificate names; defaults to <see cref="Address"/>.</summary>
    public string? PublicHost { get; init; }
    /// <summary>The Unix account agents log in as (shell /bin/sh, home owned by root); it is also the certificate's only principal.</summary>
    public string LoginUser { get; init; } = "tg-agent";
    /// <summary>TicketGate starts and stops sshd itself (as root: sshd needs root to switch to the login user).</summary>
    public bool Managed { get; init; }
    public string Sshd { get; init; } = "/usr/sbin/sshd";
    /// <summary>The ticketgate executable sshd runs as the ForceCommand shim; defaults to the running one.</summary>
    public string? ShimExecutable { get; init; }

    public string HostName => PublicHost ?? (Address is "0.0.0.0" or "::" or "*" ? "127.0.0.1" : Address);
}

/// <summary>A host agents may reach by name through the bastion. The key never leaves TicketGate.</summary>
public sealed class SshTargetDefinition
{
    public required string Name { get; init; }
    public required string Host { get; init; }
    public int Port { get; init; } = 22;
    public required string User { get; init; }
    /// <summary>The private key TicketGate logs in with (PEM or OpenSSH format), from a file or an environment variable.</summary>
    public required SecretReference Key { get; init; }
    /// <summary>The target's host key fingerprint ("SHA256:…", as ssh-keygen -l prints it); anything else is refused.</summary>
    public required string HostKeyFingerprint { get; init; }
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();
    public IReadOnlyList<string> ApproverGroups { get; init; } = [];
}
