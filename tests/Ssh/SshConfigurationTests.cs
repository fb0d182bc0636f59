using TicketGate.Proxy.Configuration;
using TicketGate.Tests.Configuration;

namespace TicketGate.Tests.Ssh;

/// <summary>The config file's <c>ssh:</c> section: every key read, and mistakes named by their key.</summary>
public sealed class SshConfigurationTests : IDisposable
{
    private readonly ConfigFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Ssh_section_is_read_with_relative_paths_resolved()
    {
        var key = _folder.WriteFile("db1.key", "-----BEGIN EC PRIVATE KEY-----\n");
        var options = ConfigurationLoader.LoadFromYaml(_folder.ValidYaml() + """

            ssh:
              directory: ssh
              certificate_lifetime: 5m
              session_limit: 20m
              bastion:
                listen: 0.0.0.0:2222
                public_host: bastion.example.com
                login_user: tg-agent
                managed: true
              targets:
                db1:
                  host: db1.internal
                  user: deploy
                  key: { file: db1.key }
                  host_key: "SHA256:abc"
                  tags: { env: prod }
                  approver_groups: [dba]
            """, "ticketgate.yaml", _folder.Path);

        var ssh = options.Ssh!;
        Assert.Equal(Path.Combine(_folder.Path, "ssh"), ssh.Directory);
        Assert.Equal(Path.Combine(_folder.Path, "ssh", "shim.sock"), ssh.SocketPath);
        Assert.Equal((TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(20)), (ssh.CertificateLifetime, ssh.SessionLimit));
        Assert.Equal(("0.0.0.0", 2222, "bastion.example.com", "tg-agent", true), (ssh.Bastion.Address, ssh.Bastion.Port, ssh.Bastion.HostName, ssh.Bastion.LoginUser, ssh.Bastion.Managed));
        var db1 = ssh.Targets["db1"];
        Assert.Equal(("db1.internal", 22, "deploy", key, "SHA256:abc"), (db1.Host, db1.Port, db1.User, db1.Key.File, db1.HostKeyFingerprint));
        Assert.Equal(["dba"], db1.ApproverGroups);
    }

    [Fact]
    public void Mistakes_are_named_by_their_key()
    {
        var e = Assert.Throws<ConfigurationException>(() => ConfigurationLoader.LoadFromYaml(_folder.ValidYaml() + """

            ssh:
              directory: ssh
              certificate_lifetime: 1h
              bastion: { login_user: "Bad User" }
              targets:
                db1:
                  host: db1.internal
                  user: deploy
                  key: "-----BEGIN EC PRIVATE KEY-----"
                  host_key: "MD5:00"
            """, "ticketgate.yaml", _folder.Path));

        Assert.Contains("ssh.certificate_lifetime", e.Message, StringComparison.Ordinal);
        Assert.Contains("must be from 5m to 15m", e.Message, StringComparison.Ordinal);
        Assert.Contains("'Bad User' is not a Unix user name", e.Message, StringComparison.Ordinal);
        Assert.Contains("secrets can't be written in the config file", e.Message, StringComparison.Ordinal);
        Assert.Contains("SHA256:", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("BEGIN EC", e.Message, StringComparison.Ordinal);
    }
}
