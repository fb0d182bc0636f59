using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TicketGate.Tests.Studio;

/// <summary>
/// The Debian chromium, headless, driven over the DevTools protocol (one page target, no downloads): navigate, evaluate
/// script in the page, wait for a condition, take screenshots. Script errors the page reports are collected.
/// </summary>
internal sealed class HeadlessChromium : IAsyncDisposable
{
    public const string Executable = "/usr/bin/chromium";
    private readonly Process process;
    private readonly ClientWebSocket socket = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonObject>> pending = new();
    private readonly CancellationTokenSource stop = new();
    private readonly string profile;
    private Task? receiving;
    private int nextId;

    private HeadlessChromium(Process process, string profile)
    {
        this.process = process;
        this.profile = profile;
    }

    public ConcurrentQueue<string> PageErrors { get; } = new();

    public static async Task<HeadlessChromium> StartAsync(int width = 1600, int height = 1000)
    {
        var profile = Directory.CreateTempSubdirectory("ticketgate-chromium-").FullName;
        var start = new ProcessStartInfo(Executable)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                     "--disable-background-networking", "--disable-extensions", "--remote-debugging-port=0", $"--user-data-dir={profile}",
                     $"--window-size={width},{height}", "about:blank"])
        {
            start.ArgumentList.Add(argument);
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("chromium did not start");
        process.BeginOutputReadLine();
        var browser = new HeadlessChromium(process, profile);
        var endpoint = await ReadDevToolsEndpointAsync(process);
        // Attach to the page target the browser opened, not to the browser itself.
        var port = new Uri(endpoint).Port;
        using var http = new HttpClient();
        var targets = JsonNode.Parse(await http.GetStringAsync($"http://127.0.0.1:{port}/json/list"))!.AsArray();
        var page = targets.First(t => (string)t!["type"]! == "page")!;
        await browser.socket.ConnectAsync(new Uri((string)page["webSocketDebuggerUrl"]!), CancellationToken.None);
        browser.receiving = Task.Run(browser.ReceiveAsync);
        await browser.SendAsync("Page.enable");
        await browser.SendAsync("Runtime.enable");
        await browser.SendAsync("Emulation.setDeviceMetricsOverride", new JsonObject
        {
            ["width"] = width,
            ["height"] = height,
            ["deviceScaleFactor"] = 1,
            ["mobile"] = false,
        });
        return browser;
    }

    public async Task NavigateAsync(string url)
    {
        await SendAsync("Page.navigate", new JsonObject { ["url"] = url });
        await WaitForAsync("document.readyState === 'complete' && location.href !== 'about:blank'", TimeSpan.FromSeconds(30), $"navigating to {url}");
    }

    /// <summary>Evaluates <paramref name="expression"/> (promises awaited) and returns its JSON value.</summary>
    public async Task<JsonNode?> EvaluateAsync(string expression)
    {
        var result = await SendAsync("Runtime.evaluate", new JsonObject
        {
            ["expression"] = expression,
            ["awaitPromise"] = true,
            ["returnByValue"] = true,
        });
        if (result["exceptionDetails"] is JsonObject exception)
        {
            throw new InvalidOperationException($"script failed: {exception["exception"]?["description"] ?? exception["text"]}");
        }
        return result["result"]?["value"]?.DeepClone();
    }

    /// <summary>Polls a script condition until it is true; the timeout message says what was awaited and what the page shows.</summary>
    public async Task WaitForAsync(string condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                if (await EvaluateAsync($"Boolean({condition})") is JsonValue value && value.GetValue<bool>()) return;
            }
            catch (InvalidOperationException)
            {
                // The page is between documents; try again.
            }
            if (clock.Elapsed > timeout)
            {
                var text = await EvaluateAsync("document.body ? document.body.innerText.slice(0, 2000) : '(no body)'");
                throw new TimeoutException($"waited {timeout.TotalSeconds:0}s for {what}; the page shows: {text}; page errors: {string.Join(" | ", PageErrors)}");
            }
            await Task.Delay(250);
        }
    }

    public async Task<byte[]> ScreenshotAsync()
    {
        var result = await SendAsync("Page.captureScreenshot", new JsonObject { ["format"] = "png" });
        return Convert.FromBase64String((string)result["data"]!);
    }

    public async Task<JsonObject> SendAsync(string method, JsonObject? parameters = null)
    {
        var id = Interlocked.Increment(ref nextId);
        var reply = new TaskCompletionSource<JsonObject>(TaskCreationOptions.RunContinuationsAsynchronously);
        pending[id] = reply;
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters ?? new JsonObject() };
        await socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, true, CancellationToken.None);
        var answer = await reply.Task.WaitAsync(TimeSpan.FromSeconds(60));
        if (answer["error"] is JsonObject error) throw new InvalidOperationException($"{method}: {error["message"]}");
        return answer["result"]?.AsObject() ?? [];
    }

    private async Task ReceiveAsync()
    {
        var buffer = new byte[1 << 20];
        using var message = new MemoryStream();
        while (!stop.IsCancellationRequested && socket.State == WebSocketState.Open)
        {
            WebSocketReceiveResult received;
            try
            {
                received = await socket.ReceiveAsync(buffer, stop.Token);
            }
            catch (Exception) when (stop.IsCancellationRequested || socket.State != WebSocketState.Open)
            {
                break;
            }
            message.Write(buffer, 0, received.Count);
            if (!received.EndOfMessage) continue;
            var node = JsonNode.Parse(message.ToArray())!.AsObject();
            message.SetLength(0);
            if (node["id"] is JsonValue id && pending.TryRemove(id.GetValue<int>(), out var reply))
            {
                reply.TrySetResult(node);
            }
            else if ((string?)node["method"] == "Runtime.exceptionThrown")
            {
                PageErrors.Enqueue(node["params"]?["exceptionDetails"]?["exception"]?["description"]?.ToString() ?? node.ToJsonString());
            }
            else if ((string?)node["method"] == "Runtime.consoleAPICalled" && (string?)node["params"]?["type"] == "error")
            {
                PageErrors.Enqueue(string.Join(" ", node["params"]!["args"]!.AsArray().Select(a => a?["value"]?.ToString() ?? a?["description"]?.ToString())));
            }
        }
    }

    private static async Task<string> ReadDevToolsEndpointAsync(Process process)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (await process.StandardError.ReadLineAsync(timeout.Token) is { } line)
        {
            const string marker = "DevTools listening on ";
            var at = line.IndexOf(marker, StringComparison.Ordinal);
            if (at >= 0)
            {
                // Keep draining stderr so chromium never blocks on a full pipe.
                _ = Task.Run(async () => { while (await process.StandardError.ReadLineAsync() is not null) { } });
                return line[(at + marker.Length)..].Trim();
            }
        }
        throw new InvalidOperationException("chromium exited before it opened the DevTools endpoint");
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        try
        {
            if (socket.State == WebSocketState.Open) await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        }
        catch (WebSocketException)
        {
            // chromium may already be gone.
        }
        if (!process.HasExited) process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
        if (receiving is not null) await receiving.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        socket.Dispose();
        process.Dispose();
        stop.Dispose();
        try
        {
            Directory.Delete(profile, recursive: true);
        }
        catch (IOException)
        {
            // A leftover profile folder in /tmp is harmless.
        }
    }
}
