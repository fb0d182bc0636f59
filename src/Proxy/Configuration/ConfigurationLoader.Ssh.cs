using System.Text.RegularExpressions;
using TicketGate.Proxy.Ssh;

namespace TicketGate.Proxy.Configuration;

public static partial class ConfigurationLoader
{
    /// <summary>
    /// The <c>ssh:</c> section: directory, socket, certificate_lifetime (5m–15m), session_limit, bastion (listen, public_host,
    /// login_user, managed, sshd, shim_executable) and targets (host, port, user, key / key_env / key_file, host_key, tags,
    /// approver_groups).
    /// </summary>
    private static SshOptions? ReadSsh(YamlSection? section)
    {
        if (section is null) return null;
        var directory = section.FilePath("directory", required: true, mustExist: false);
        var socket = section.FilePath("socket", mustExist: false);
        var lifetime = section.Duration("certificate_lifetime") ?? TimeSpan.FromMinutes(10);
        if (lifetime < TimeSpan.FromMinutes(5) || lifetime > TimeSpan.FromMinutes(15))
        {
            section.Problem("certificate_lifetime", "must be from 5m to 15m: long enough for a task, short enough that a leaked certificate is soon useless");
        }
        var sessionLimit = section.Duration("session_limit") ?? TimeSpan.FromMinutes(30);
        var bastion = new BastionOptions();
        if (section.Section("bastion") is { } b)
        {
            var (address, port) = ReadListen(b, bastion.Address, bastion.Port);
            bastion = new BastionOptions
            {
                Address = address,
                Port = port,
                PublicHost = b.Text("public_host"),
                LoginUser = b.Text("login_user") ?? bastion.LoginUser,
                Managed = b.Boolean("managed") ?? false,
                Sshd = b.FilePath("sshd", mustExist: false) ?? bastion.Sshd,
                ShimExecutable = b.FilePath("shim_executable", mustExist: false),
            };
            if (!UnixUserName().IsMatch(bastion.LoginUser)) b.Problem("login_user", $"'{bastion.LoginUser}' is not a Unix user name");
            b.RejectUnknownKeys();
        }

        var targets = new Dictionary<string, SshTargetDefinition>(StringComparer.Ordinal);
        foreach (var (name, target, line, column) in section.NamedSections("targets") ?? [])
        {
            if (!ConnectionName().IsMatch(name))
            {
                section.Problems.Add(new ConfigurationProblem($"{section.KeyPath("targets")}.{name}", line, column,
                    $"'{name}' is not a valid target name; use letters, digits, _, . and - (agents put it in TG_TARGET)"));
            }
            if (target is null) continue;
            var fingerprint = target.Text("host_key", required: true) ?? "";
            if (fingerprint.Length > 0 && !fingerprint.StartsWith("SHA256:", StringComparison.Ordinal))
            {
                target.Problem("host_key", "is the target's host key fingerprint as `ssh-keygen -lf KEY.pub` prints it (SHA256:…)");
            }
            targets[name] = new SshTargetDefinition
            {
                Name = name,
                Host = target.Text("host", required: true) ?? "",
                Port = target.Integer("port", 1, 65535) ?? 22,
                User = target.Text("user", required: true) ?? "",
                Key = target.Secret("key", required: true) ?? new SecretReference(),
                HostKeyFingerprint = fingerprint,
                Tags = target.TextMap("tags") ?? new Dictionary<string, string>(),
                ApproverGroups = target.TextList("approver_groups") ?? [],
            };
            target.RejectUnknownKeys();
        }
        section.RejectUnknownKeys();
        return new SshOptions
        {
            Directory = directory ?? "",
            Socket = socket,
            Bastion = bastion,
            CertificateLifetime = lifetime,
            SessionLimit = sessionLimit,
            Targets = targets,
        };
    }

    [GeneratedRegex("^[a-z_][a-z0-9_-]{0,31}$")]
    private static partial Regex UnixUserName();
}
