using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace TicketGate.Proxy.Ssh;

/// <summary>
/// Kestrel's handler for the shim's Unix socket. Only processes of the bastion's login account (checked with SO_PEERCRED) may speak;
/// each connection is one SSH session, run by <see cref="SshCommandSession"/>.
/// </summary>
internal sealed partial class SshShimListener(SshGateway gateway, IHostApplicationLifetime lifetime, ILogger<SshShimListener> logger) : ConnectionHandler
{
    private const int SolSocket = 1;
    private const int SoPeerCred = 17;

    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        var input = connection.Transport.Input.AsStream();
        var output = connection.Transport.Output.AsStream();
        var peer = PeerUid(connection);
        if (peer is null || (peer != gateway.LoginUid && peer != 0))
        {
            LogForeignPeer(logger, peer ?? -1);
            await ShimFrame.WriteAsync(output, ShimFrame.Notice, "TicketGate: this socket is only for the bastion's shim\n"u8.ToArray(), CancellationToken.None).ConfigureAwait(false);
            return;
        }
        using var closed = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed, lifetime.ApplicationStopping);
        var session = new SshCommandSession(gateway, input, output, logger, lifetime.ApplicationStopping);
        try
        {
            await session.RunAsync(closed.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ConnectionResetException)
        {
            LogShimGone(logger, e.Message);
        }
    }

    /// <summary>The uid of the process on the other end of the Unix socket (struct ucred: pid, uid, gid).</summary>
    private static int? PeerUid(ConnectionContext connection)
    {
        if (connection.Features.Get<IConnectionSocketFeature>()?.Socket is not { AddressFamily: AddressFamily.Unix } socket) return null;
        Span<byte> credentials = stackalloc byte[12];
        var length = socket.GetRawSocketOption(SolSocket, SoPeerCred, credentials);
        return length >= 8 ? BitConverter.ToInt32(credentials[4..8]) : null;
    }

    [LoggerMessage(710, LogLevel.Warning, "A process of uid {Uid} connected to the SSH shim socket; only the bastion's login account may")]
    private static partial void LogForeignPeer(ILogger logger, int uid);

    [LoggerMessage(711, LogLevel.Debug, "The shim went away: {Reason}")]
    private static partial void LogShimGone(ILogger logger, string reason);
}
