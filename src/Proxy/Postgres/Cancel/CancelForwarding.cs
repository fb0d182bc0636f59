using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using TicketGate.Proxy.Postgres.Messages;

namespace TicketGate.Proxy.Postgres.Session;

/// <summary>Passes a client's CancelRequest to the upstream with the upstream's own key, on a fresh connection as the protocol requires.</summary>
internal static partial class CancelForwarding
{
    public static async Task SendAsync(EndPoint upstream, int processId, int secretKey, ILogger logger)
    {
        try
        {
            using var socket = new Socket(upstream.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await socket.ConnectAsync(upstream, timeout.Token).ConfigureAwait(false);
            var buffer = new System.Buffers.ArrayBufferWriter<byte>(16);
            FrontendMessages.WriteCancelRequest(buffer, processId, secretKey);
            await socket.SendAsync(buffer.WrittenMemory, SocketFlags.None, timeout.Token).ConfigureAwait(false);
            // The server answers nothing; it closes the connection once it has read the request.
            var scratch = new byte[1];
            await socket.ReceiveAsync(scratch, SocketFlags.None, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            LogCancelFailed(logger, upstream.ToString() ?? "", e.Message);
        }
    }

    [LoggerMessage(20, LogLevel.Warning, "Could not forward a cancel request to {Upstream}: {Reason}")]
    private static partial void LogCancelFailed(ILogger logger, string upstream, string reason);
}
