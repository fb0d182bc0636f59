using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using TicketGate.Proxy.Ssh;

namespace TicketGate.Tests.Ssh;

/// <summary>What never gets through the bastion: forwarding of any kind, certificates from another CA or out of date.</summary>
[Collection(SshCollection.Name)]
public sealed class SshAccessTests(SshEnvironment ssh)
{
    [Fact]
    public async Task Stdio_forwarding_and_proxy_jump_are_refused()
    {
        var stdio = await ssh.SshAsync("-W", $"127.0.0.1:{ssh.TargetPort}", SshEnvironment.Target);
        var jump = await ssh.SshAsync("-J", SshEnvironment.Target, SshEnvironment.Target, "uname");

        Assert.Equal(255, stdio.ExitCode);
        Assert.Contains("administratively prohibited", stdio.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("SSH-2.0", stdio.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(255, jump.ExitCode);
        Assert.Contains("administratively prohibited", jump.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Remote_forwarding_is_refused()
    {
        var result = await ssh.SshAsync("-o", "ExitOnForwardFailure=yes", "-R", "127.0.0.1:0:127.0.0.1:22", SshEnvironment.Target, "uname");

        Assert.Equal(255, result.ExitCode);
        Assert.Contains("remote port forwarding failed", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Local_forwarding_carries_nothing_to_the_target()
    {
        var localPort = Fixtures.GatewayFixture.FreePort();
        // "sleep 5" is a read: it runs while the test tries the forwarded port.
        var client = ssh.SshAsync("-L", $"127.0.0.1:{localPort}:127.0.0.1:{ssh.TargetPort}", SshEnvironment.Target, "sleep 5");
        var received = await ReadThroughAsync(localPort);
        var result = await client;

        Assert.Equal(0, received);
        Assert.Contains("administratively prohibited", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Agent_forwarding_does_not_reach_the_target()
    {
        var result = await ssh.SshAsync("-A", SshEnvironment.Target, "echo agent=${SSH_AUTH_SOCK:-none}");

        Assert.True(result.ExitCode == 0, result.StandardError);
        Assert.Equal("agent=none\n", result.StandardOutput);
    }

    [Fact]
    public async Task Certificate_of_another_CA_is_refused_by_the_bastion()
    {
        using var foreignCa = SshKey.Create();
        using var agentKey = SshKey.Load(Path.Combine(ssh.AgentFolder, "id_ecdsa"));
        var foreign = UserCertificate(agentKey, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(10)).Sign(foreignCa);

        var result = await SshWithCertificateAsync(foreign);

        Assert.Equal(255, result.ExitCode);
        Assert.Contains("Permission denied", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("TicketGate", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Expired_certificate_of_our_CA_is_refused_by_the_bastion()
    {
        using var userCa = SshKey.Load(Path.Combine(ssh.SshDirectory, "user_ca"));
        using var agentKey = SshKey.Load(Path.Combine(ssh.AgentFolder, "id_ecdsa"));
        var expired = UserCertificate(agentKey, DateTimeOffset.UtcNow.AddMinutes(-20), DateTimeOffset.UtcNow.AddMinutes(-5)).Sign(userCa);
        var current = UserCertificate(agentKey, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(5)).Sign(userCa);

        var result = await SshWithCertificateAsync(expired);
        var control = await SshWithCertificateAsync(current);

        Assert.Equal(255, result.ExitCode);
        Assert.Contains("Permission denied", result.StandardError, StringComparison.Ordinal);
        // The same key with a current certificate of the same CA gets in: it was the dates that kept the first one out.
        Assert.True(control.ExitCode == 0, control.StandardError);
        Assert.Equal("Linux\n", control.StandardOutput);
    }

    [Fact]
    public async Task Shim_socket_checks_the_certificate_again()
    {
        // Whoever reaches the socket (here root, as a compromised bastion might) still needs a valid certificate of TicketGate's CA.
        using var foreignCa = SshKey.Create();
        using var agentKey = SshKey.Create();
        var foreign = UserCertificate(agentKey, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(10)).Sign(foreignCa);
        using var userCa = SshKey.Load(Path.Combine(ssh.SshDirectory, "user_ca"));
        var expired = UserCertificate(agentKey, DateTimeOffset.UtcNow.AddMinutes(-20), DateTimeOffset.UtcNow.AddMinutes(-5)).Sign(userCa);

        var (foreignCode, foreignNotice) = await HelloAsync(foreign);
        var (expiredCode, expiredNotice) = await HelloAsync(expired);

        Assert.Equal(SshCommandSession.RefusedExitCode, foreignCode);
        Assert.Contains("was not signed by TicketGate's user CA", foreignNotice, StringComparison.Ordinal);
        Assert.Equal(SshCommandSession.RefusedExitCode, expiredCode);
        Assert.Contains("has expired", expiredNotice, StringComparison.Ordinal);
    }

    private async Task<(int ExitCode, string Notice)> HelloAsync(OpenSshCertificate certificate)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(Path.Combine(ssh.SshDirectory, "shim.sock")));
        await using var stream = new NetworkStream(socket);
        var hello = new ShimHello { Command = "uname", Target = SshEnvironment.Target, UserAuth = $"publickey {certificate.ToLine()}\n" };
        await ShimFrame.WriteAsync(stream, ShimFrame.Hello, JsonSerializer.SerializeToUtf8Bytes(hello, ShimHello.Json), CancellationToken.None);
        var notice = new StringBuilder();
        while (await ShimFrame.ReadAsync(stream, CancellationToken.None) is { } frame)
        {
            if (frame.Kind == ShimFrame.Notice) notice.Append(Encoding.UTF8.GetString(frame.Payload));
            if (frame.Kind == ShimFrame.Exit) return (System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(frame.Payload), notice.ToString());
            Assert.NotEqual(ShimFrame.Start, frame.Kind);
        }
        throw new InvalidOperationException("TicketGate closed the socket without an exit status");
    }

    private static OpenSshCertificate UserCertificate(SshKey key, DateTimeOffset after, DateTimeOffset before) => new()
    {
        SubjectKey = key.PublicBlob,
        Serial = 42,
        Type = SshCertificateType.User,
        KeyId = SshCertificateAuthority.KeyIdFor("agent-7", Guid.NewGuid()),
        Principals = [SshEnvironment.LoginUser],
        ValidAfter = after,
        ValidBefore = before,
        Extensions = [new(SshCertificateAuthority.PermitPty, "")],
    };

    /// <summary>ssh with the agent's key and another certificate (a copy of the agent folder with the certificate replaced).</summary>
    private async Task<ProcessResult> SshWithCertificateAsync(OpenSshCertificate certificate)
    {
        var folder = Path.Combine(ssh.Folder, "agent-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        foreach (var file in Directory.GetFiles(ssh.AgentFolder))
        {
            var text = await File.ReadAllTextAsync(file);
            await File.WriteAllTextAsync(Path.Combine(folder, Path.GetFileName(file)), text.Replace(ssh.AgentFolder, folder, StringComparison.Ordinal));
        }
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(Path.Combine(folder, "id_ecdsa"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await File.WriteAllTextAsync(Path.Combine(folder, "id_ecdsa-cert.pub"), certificate.ToLine() + "\n");
        return await SshEnvironment.RunAsync("ssh", ["-F", Path.Combine(folder, "config"), "-o", "BatchMode=yes", SshEnvironment.Target, "uname"]);
    }

    /// <summary>Connects through the forwarded port and counts the bytes that come back before the connection closes.</summary>
    private static async Task<int> ReadThroughAsync(int port)
    {
        var deadline = DateTime.UtcNow.AddSeconds(4);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", port);
                var buffer = new byte[256];
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(3));
                try
                {
                    return await client.GetStream().ReadAsync(buffer, timeout.Token);
                }
                catch (Exception e) when (e is IOException or OperationCanceledException)
                {
                    return 0;
                }
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }
}
