using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TicketGate.Proxy.Audit;
using TicketGate.Proxy.Configuration;
using TicketGate.Proxy.Policy;
using TicketGate.Proxy.Recording;
using TicketGate.Proxy.Ssh;
using TicketGate.Workflows.Approvals;

namespace TicketGate.Proxy.Hosting;

public static partial class GatewayHost
{
    /// <summary>
    /// The SSH path, when the config has an <c>ssh:</c> section: the CAs, the shim's Unix socket (a Kestrel listener), the certificate
    /// endpoint, and the bastion's files (and, when managed, the bastion sshd itself).
    /// </summary>
    private static void AddSsh(WebApplicationBuilder builder, TicketGateOptions options)
    {
        if (options.Ssh is not { } ssh) return;
        Directory.CreateDirectory(ssh.Directory);
        var socket = Path.GetFullPath(ssh.SocketPath);
        Directory.CreateDirectory(Path.GetDirectoryName(socket)!);
        // A socket file left by an earlier run would make the listener fail.
        if (File.Exists(socket)) File.Delete(socket);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenUnixSocket(socket, listen => listen.UseConnectionHandler<SshShimListener>()));

        var services = builder.Services;
        services.AddSingleton(_ => new SshCertificateAuthority(ssh.Directory));
        services.AddSingleton(sp => new SshGateway(ssh, sp.GetRequiredService<SshCertificateAuthority>(), new SshPolicyEvaluator(options.Policy.Ssh),
            sp.GetRequiredService<IApprovalGate>(), sp.GetRequiredService<AuditLog>(), sp.GetRequiredService<RecordingLog>(), id => RequestLinks.Page(options, id)));
        services.AddSingleton<SshShimListener>();
        services.AddHostedService(sp => new BastionHost(ssh, sp.GetRequiredService<SshCertificateAuthority>(),
            sp.GetRequiredService<IHostApplicationLifetime>(), sp.GetRequiredService<ILogger<BastionHost>>()));
    }

    private static void MapSsh(WebApplication app, TicketGateOptions options)
    {
        if (options.Ssh is null)
        {
            app.MapPost("/api/ssh/certificates", () => Microsoft.AspNetCore.Http.Results.Problem(
                detail: "SSH is not configured on this TicketGate (its config has no ssh: section)", statusCode: 404, title: "Not found"));
            return;
        }
        app.MapSshLoginApi();
    }

    /// <summary>Writes the bastion's files at start, opens the shim socket to the login account once listening, and runs sshd when managed.</summary>
    private sealed partial class BastionHost(SshOptions ssh, SshCertificateAuthority authority, IHostApplicationLifetime lifetime,
        ILogger<BastionHost> logger) : IHostedService
    {
        private BastionProcess? _sshd;

        public async Task StartAsync(CancellationToken cancellationToken)
        {
            var configuration = BastionConfiguration.Write(ssh, authority);
            // The shim runs as the login account: it must reach the socket. SO_PEERCRED decides who may speak on it.
            lifetime.ApplicationStarted.Register(() =>
            {
                if (!OperatingSystem.IsWindows() && File.Exists(ssh.SocketPath))
                {
                    File.SetUnixFileMode(ssh.SocketPath, (UnixFileMode)0b110_110_110);
                }
            });
            LogBastionConfig(logger, configuration.ConfigFile);
            if (!ssh.Bastion.Managed) return;
            await BastionAccount.EnsureAsync(ssh.Bastion.LoginUser, cancellationToken: cancellationToken).ConfigureAwait(false);
            _sshd = await BastionProcess.StartAsync(configuration.ConfigFile, ssh.Bastion.Address, ssh.Bastion.Port, logger, ssh.Bastion.Sshd,
                cancellationToken).ConfigureAwait(false);
            LogBastionStarted(logger, ssh.Bastion.Address, ssh.Bastion.Port);
        }

        public async Task StopAsync(CancellationToken cancellationToken)
        {
            if (_sshd is not null) await _sshd.DisposeAsync().ConfigureAwait(false);
        }

        [LoggerMessage(730, LogLevel.Information, "SSH bastion configuration written to {ConfigFile}")]
        private static partial void LogBastionConfig(ILogger logger, string configFile);

        [LoggerMessage(731, LogLevel.Information, "SSH bastion sshd listening on {Address}:{Port}")]
        private static partial void LogBastionStarted(ILogger logger, string address, int port);
    }
}
