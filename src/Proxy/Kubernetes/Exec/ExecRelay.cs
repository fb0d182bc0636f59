using System.Buffers;
using System.Collections.Concurrent;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using TicketGate.Proxy.Configuration;
using TicketGate.Proxy.Identity;
using TicketGate.Proxy.Kubernetes.Hold;
using TicketGate.Proxy.Kubernetes.Requests;
using TicketGate.Proxy.Kubernetes.Upstream;
using TicketGate.Proxy.Recording;

namespace TicketGate.Proxy.Kubernetes.Exec;

/// <summary>
/// exec, attach and port-forward over WebSockets (v5.channel.k8s.io, v4…; kubectl 1.30+ uses them by default): once the request is
/// allowed or approved, TicketGate opens the upstream WebSocket with its own credentials, accepts the agent's with the subprotocol
/// the API server chose, and relays messages both ways, recording each (channel byte plus data: stdin, stdout, stderr, status,
/// resize) in the session recording. An approved session ends at the cluster's exec_session_limit. SPDY is refused.
/// </summary>
internal sealed partial class ExecRelay(RecordingLog recordings, TicketGateOptions options, ILogger<ExecRelay> logger)
{
    private static readonly TimeSpan RefusalMemory = TimeSpan.FromMinutes(2);
    private readonly ConcurrentDictionary<string, (string Message, DateTimeOffset At)> _recentRefusals = new(StringComparer.Ordinal);

    /// <summary>
    /// kubectl falls back to SPDY when its WebSocket upgrade is answered with anything but 101, so a refused WebSocket exec is
    /// followed by a SPDY one; the agent is then told why the first was refused, not only that SPDY is not relayed.
    /// </summary>
    public void RememberRefusal(AgentIdentity identity, KubernetesRequest request, string message)
    {
        if (!request.IsExecLike) return;
        var now = DateTimeOffset.UtcNow;
        if (_recentRefusals.Count > 1000)
        {
            foreach (var entry in _recentRefusals)
            {
                if (now - entry.Value.At > RefusalMemory) _recentRefusals.TryRemove(entry.Key, out _);
            }
        }
        _recentRefusals[Key(identity, request.Path)] = (message, now);
    }

    public string SpdyRefusal(AgentIdentity identity, string line)
    {
        var path = line.Split(' ', 3)[1].Split('?')[0];
        var spdy = "TicketGate relays exec, attach and port-forward over WebSockets only, not SPDY. kubectl 1.30 and later use " +
                   "WebSockets by default: unset KUBECTL_REMOTE_COMMAND_WEBSOCKETS (or set it to true) and use kubectl 1.30+.";
        if (_recentRefusals.TryRemove(Key(identity, path), out var earlier) && DateTimeOffset.UtcNow - earlier.At < RefusalMemory)
        {
            return earlier.Message;
        }
        return spdy;
    }

    public async Task RelayAsync(HttpContext context, ApiServerClient upstream, AgentIdentity identity, KubernetesRequest request, HoldOutcome? held)
    {
        var server = upstream.Cluster.Server;
        var target = new UriBuilder(server)
        {
            Scheme = server.Scheme == Uri.UriSchemeHttp ? "ws" : "wss",
            Path = server.AbsolutePath.TrimEnd('/') + context.Request.Path,
            Query = context.Request.QueryString.Value?.TrimStart('?') ?? "",
        }.Uri;

        ClientWebSocket upstreamSocket;
        try
        {
            upstreamSocket = await upstream.ConnectWebSocketAsync(target, [.. context.WebSockets.WebSocketRequestedProtocols], identity,
                context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception e) when (e is WebSocketException or HttpRequestException or IOException or SecretUnavailableException)
        {
            Log.UpstreamRefused(logger, upstream.Cluster.Name, request.Summary, e.Message);
            await KubernetesStatus.WriteAsync(context, StatusCodes.Status502BadGateway, "ServiceUnavailable",
                $"TicketGate could not open {request.Subresource} on the API server of cluster \"{upstream.Cluster.Name}\": {e.Message}").ConfigureAwait(false);
            return;
        }

        using (upstreamSocket)
        {
            using var agentSocket = await context.WebSockets.AcceptWebSocketAsync(upstreamSocket.SubProtocol).ConfigureAwait(false);
            var recorder = options.Recording.Enabled
                ? new SessionRecorder(recordings, new RecordedSession(Guid.CreateVersion7(), "kubernetes", upstream.Cluster.Name, identity.Subject,
                    identity.Groups, DateTimeOffset.UtcNow, null, 0, 0, false), options.Recording.MaxBytesPerSession)
                : null;
            if (held?.Request is { } approval)
            {
                recorder?.Hold(approval);
                recorder?.Decision(approval.Id, "approved", held.DecidedBy, held.Decision?.Reason);
            }
            Log.Relaying(logger, upstream.Cluster.Name, request.Summary, upstreamSocket.SubProtocol ?? "(none)", recorder?.Session.Id);

            using var limit = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
            limit.CancelAfter(upstream.Cluster.ExecSessionLimit);
            try
            {
                var toUpstream = PumpAsync(agentSocket, upstreamSocket, recorder, fromAgent: true, limit.Token);
                var toAgent = PumpAsync(upstreamSocket, agentSocket, recorder, fromAgent: false, limit.Token);
                var first = await Task.WhenAny(toUpstream, toAgent).ConfigureAwait(false);
                // One side closed: give the other a moment to finish its close handshake, then cut it.
                await Task.WhenAny(Task.WhenAll(toUpstream, toAgent), Task.Delay(TimeSpan.FromSeconds(5), CancellationToken.None)).ConfigureAwait(false);
                if (limit.IsCancellationRequested && !context.RequestAborted.IsCancellationRequested)
                {
                    Log.LimitReached(logger, upstream.Cluster.Name, request.Summary, upstream.Cluster.ExecSessionLimit);
                    await CloseQuietlyAsync(agentSocket, WebSocketCloseStatus.PolicyViolation,
                        "TicketGate: the approved session reached its time limit").ConfigureAwait(false);
                    await CloseQuietlyAsync(upstreamSocket, WebSocketCloseStatus.NormalClosure, "session limit").ConfigureAwait(false);
                }
            }
            finally
            {
                agentSocket.Abort();
                upstreamSocket.Abort();
                recorder?.End();
            }
        }
    }

    private static async Task PumpAsync(WebSocket from, WebSocket to, SessionRecorder? recorder, bool fromAgent, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            while (true)
            {
                var received = await from.ReceiveAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    await CloseQuietlyAsync(to, from.CloseStatus ?? WebSocketCloseStatus.NormalClosure, from.CloseStatusDescription).ConfigureAwait(false);
                    return;
                }
                if (recorder is not null)
                {
                    if (fromAgent)
                    {
                        recorder.Client(new ReadOnlySequence<byte>(buffer, 0, received.Count));
                    }
                    else
                    {
                        recorder.Server(buffer.AsSpan(0, received.Count));
                        if (received.EndOfMessage) recorder.EndServerBatch();
                    }
                }
                await to.SendAsync(buffer.AsMemory(0, received.Count), received.MessageType, received.EndOfMessage, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
        {
            // The session ended abruptly on one side (or hit its limit); the caller closes the other.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task CloseQuietlyAsync(WebSocket socket, WebSocketCloseStatus status, string? description)
    {
        if (socket.State is not (WebSocketState.Open or WebSocketState.CloseReceived)) return;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await socket.CloseOutputAsync(status, description, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
        {
            // Already gone.
        }
    }

    private static string Key(AgentIdentity identity, string path) => identity.Subject + "\n" + path;

    private static partial class Log
    {
        [LoggerMessage(720, LogLevel.Information, "Kubernetes {Cluster}: relaying {Request} over {Protocol} (recording {SessionId})")]
        public static partial void Relaying(ILogger logger, string cluster, string request, string protocol, Guid? sessionId);

        [LoggerMessage(721, LogLevel.Warning, "Kubernetes {Cluster}: the API server refused {Request}: {Message}")]
        public static partial void UpstreamRefused(ILogger logger, string cluster, string request, string message);

        [LoggerMessage(722, LogLevel.Information, "Kubernetes {Cluster}: {Request} reached its session limit of {Limit}")]
        public static partial void LimitReached(ILogger logger, string cluster, string request, TimeSpan limit);
    }
}
