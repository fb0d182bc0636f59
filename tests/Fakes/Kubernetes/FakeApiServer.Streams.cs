using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http;

namespace TicketGate.Tests.Fakes.Kubernetes;

public sealed partial class FakeApiServer
{
    private readonly ConcurrentDictionary<string, (List<string> Lines, List<Channel<string>> Followers)> _logs = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<(string Pod, string Protocol, IReadOnlyList<string> Command)> _execs = new();

    /// <summary>Every exec this server ran: the pod, the WebSocket subprotocol and the command.</summary>
    public IReadOnlyCollection<(string Pod, string Protocol, IReadOnlyList<string> Command)> Execs => _execs;

    /// <summary>Appends a line to a pod's log; followers (`logs -f`) get it at once.</summary>
    public void WriteLog(string ns, string pod, string line)
    {
        var log = _logs.GetOrAdd($"{ns}/{pod}", _ => ([], []));
        lock (log.Lines)
        {
            log.Lines.Add(line);
            foreach (var follower in log.Followers) follower.Writer.TryWrite(line);
        }
    }

    private async Task ServeLogAsync(HttpContext context, ResourcePath path)
    {
        var log = _logs.GetOrAdd($"{path.Namespace}/{path.Name}", _ => ([], []));
        var follow = context.Request.Query["follow"] == "true";
        var followed = Channel.CreateUnbounded<string>();
        string[] existing;
        lock (log.Lines)
        {
            existing = [.. log.Lines];
            if (follow) log.Followers.Add(followed);
        }
        context.Response.StatusCode = 200;
        context.Response.ContentType = "text/plain";
        try
        {
            foreach (var line in existing) await context.Response.WriteAsync(line + "\n", context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            if (!follow) return;
            await foreach (var line in followed.Reader.ReadAllAsync(context.RequestAborted))
            {
                await context.Response.WriteAsync(line + "\n", context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
            }
        }
        catch (OperationCanceledException)
        {
            // The follower left.
        }
        finally
        {
            lock (log.Lines) log.Followers.Remove(followed);
        }
    }

    /// <summary>
    /// Scripted exec over the channel protocol: "echo WORDS" prints them, "false" exits 1, anything else prints "ran: COMMAND".
    /// One message per frame: the channel byte (1 stdout, 2 stderr, 3 status) then the data.
    /// </summary>
    private async Task ServeExecAsync(HttpContext context, ResourcePath path)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await StatusAsync(context, 400, "BadRequest", "exec needs a WebSocket upgrade here");
            return;
        }
        var offered = context.WebSockets.WebSocketRequestedProtocols;
        var protocol = offered.Contains("v5.channel.k8s.io") ? "v5.channel.k8s.io" : offered.Contains("v4.channel.k8s.io") ? "v4.channel.k8s.io" : null;
        if (protocol is null)
        {
            await StatusAsync(context, 400, "BadRequest", "the fake speaks v5.channel.k8s.io and v4.channel.k8s.io only");
            return;
        }
        var command = context.Request.Query["command"].Select(c => c ?? "").ToList();
        _execs.Enqueue((path.Name, protocol, command));
        using var socket = await context.WebSockets.AcceptWebSocketAsync(protocol);
        if (command is ["sh"] && context.Request.Query["stdin"] == "true")
        {
            await ShellAsync(socket, context.RequestAborted);
            return;
        }
        var line = string.Join(' ', command);
        var (output, exitCode) = command switch
        {
            ["echo", .. var words] => (string.Join(' ', words) + "\n", 0),
            ["false"] => ("", 1),
            _ => ($"ran: {line}\n", 0),
        };
        if (output.Length > 0) await SendFrameAsync(socket, 1, Encoding.UTF8.GetBytes(output));
        var status = exitCode == 0
            ? """{"metadata":{},"status":"Success"}"""
            : """{"metadata":{},"status":"Failure","message":"command terminated with non-zero exit code","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"1"}]}}""";
        await SendFrameAsync(socket, 3, Encoding.UTF8.GetBytes(status));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
            var buffer = new byte[4096];
            while (socket.State is WebSocketState.CloseSent)
            {
                var received = await socket.ReceiveAsync(buffer, timeout.Token);
                if (received.MessageType == WebSocketMessageType.Close) break;
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            // The client went first.
        }
    }

    /// <summary>A pretend interactive shell: each stdin line is answered on stdout with "$ LINE"; "exit" or closing stdin ends it.</summary>
    private static async Task ShellAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        var pending = new StringBuilder();
        try
        {
            while (true)
            {
                var received = await socket.ReceiveAsync(buffer, cancellationToken);
                if (received.MessageType == WebSocketMessageType.Close || received.Count == 0) return;
                // v5: [255, channel] closes that channel; stdin closed ends the shell.
                if (buffer[0] == 255) break;
                if (buffer[0] != 0) continue;
                pending.Append(Encoding.UTF8.GetString(buffer, 1, received.Count - 1));
                var text = pending.ToString();
                int newline;
                var exit = false;
                while ((newline = text.IndexOf('\n', StringComparison.Ordinal)) >= 0)
                {
                    var typed = text[..newline];
                    text = text[(newline + 1)..];
                    if (typed == "exit")
                    {
                        exit = true;
                        break;
                    }
                    await SendFrameAsync(socket, 1, Encoding.UTF8.GetBytes($"$ {typed}\n"));
                }
                pending.Clear().Append(text);
                if (exit) break;
            }
            await SendFrameAsync(socket, 3, Encoding.UTF8.GetBytes("""{"metadata":{},"status":"Success"}"""));
            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            // The client (or TicketGate, at the session limit) went away.
        }
    }

    private static Task SendFrameAsync(WebSocket socket, byte channel, byte[] data)
    {
        var frame = new byte[data.Length + 1];
        frame[0] = channel;
        data.CopyTo(frame, 1);
        return socket.SendAsync(frame, WebSocketMessageType.Binary, endOfMessage: true, CancellationToken.None);
    }
}
