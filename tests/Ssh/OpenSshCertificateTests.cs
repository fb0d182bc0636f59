using TicketGate.Proxy.Ssh;

namespace TicketGate.Tests.Ssh;

/// <summary>Certificates built with .NET's cryptography, read back by OpenSSH's own ssh-keygen.</summary>
public sealed class OpenSshCertificateTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("ticketgate-certs-").FullName;

    [Fact]
    public async Task User_certificate_is_read_by_ssh_keygen_with_key_id_serial_principal_and_only_permit_pty()
    {
        using var authority = new SshCertificateAuthority(_folder);
        using var agent = SshKey.Create();
        var session = Guid.NewGuid();

        var certificate = authority.IssueUser(agent.PublicBlob, "agent-7", ["agents"], "tg-agent", session, TimeSpan.FromMinutes(10));
        var file = Path.Combine(_folder, "agent-cert.pub");
        await File.WriteAllTextAsync(file, certificate.ToLine() + "\n");
        var listing = await SshEnvironment.RunAsync("ssh-keygen", ["-L", "-f", file]);

        Assert.True(listing.ExitCode == 0, listing.StandardError);
        var text = listing.StandardOutput;
        Assert.Contains("Type: ecdsa-sha2-nistp256-cert-v01@openssh.com user certificate", text, StringComparison.Ordinal);
        Assert.Contains($"Key ID: \"agent-7 session {session}\"", text, StringComparison.Ordinal);
        Assert.Contains($"Serial: {certificate.Serial}", text, StringComparison.Ordinal);
        Assert.Contains("Principals: \n                tg-agent\n", text, StringComparison.Ordinal);
        Assert.Contains("permit-pty", text, StringComparison.Ordinal);
        Assert.DoesNotContain("forwarding", text, StringComparison.Ordinal);
        Assert.DoesNotContain("permit-user-rc", text, StringComparison.Ordinal);
        Assert.Contains(SshKey.FingerprintOf(SshKey.ParsePublicLine(authority.UserCaLine)), text, StringComparison.Ordinal);
        Assert.InRange(certificate.ValidBefore - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(9), TimeSpan.FromMinutes(10));
    }

    [Fact]
    public void Certificate_never_outlives_the_token_and_parses_back_verified()
    {
        using var authority = new SshCertificateAuthority(_folder);
        using var agent = SshKey.Create();
        var tokenExpiry = DateTimeOffset.UtcNow.AddMinutes(3);

        var certificate = authority.IssueUser(agent.PublicBlob, "agent-7", ["agents", "oncall"], "tg-agent", Guid.NewGuid(), TimeSpan.FromMinutes(10), tokenExpiry);
        var identity = authority.Verify(certificate.Blob, "tg-agent");

        Assert.Equal(tokenExpiry.ToUnixTimeSeconds(), certificate.ValidBefore.ToUnixTimeSeconds());
        Assert.Equal("agent-7", identity.Subject);
        Assert.Equal(["agents", "oncall"], identity.Groups);
        Assert.Equal(certificate.Serial, identity.Serial);
        Assert.Equal("the login certificate is not for root", Assert.Throws<SshAccessException>(() => authority.Verify(certificate.Blob, "root")).Message);
        var tampered = (byte[])certificate.Blob.Clone();
        tampered[^80] ^= 1;
        Assert.StartsWith("the login certificate is not valid", Assert.Throws<SshAccessException>(() => authority.Verify(tampered, "tg-agent")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Host_certificate_is_read_by_ssh_keygen()
    {
        using var authority = new SshCertificateAuthority(_folder);
        using var host = SshKey.Create();

        var certificate = authority.IssueHost(host.PublicBlob, ["bastion.example", "127.0.0.1"]);
        var file = Path.Combine(_folder, "host-cert.pub");
        await File.WriteAllTextAsync(file, certificate.ToLine() + "\n");
        var listing = await SshEnvironment.RunAsync("ssh-keygen", ["-L", "-f", file]);

        Assert.True(listing.ExitCode == 0, listing.StandardError);
        Assert.Contains("host certificate", listing.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("bastion.example", listing.StandardOutput, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
