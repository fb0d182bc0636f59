using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using TicketGate.Tests.Fakes.Contract;

namespace TicketGate.Tests.Fakes;

/// <summary>One request a fake answered (or dropped), as a test sees it afterwards.</summary>
public sealed record RecordedExchange(string Method, string Path, string Query, int Status, bool Dropped, DateTimeOffset At, string RequestBody,
    string ResponseBody);

/// <summary>
/// A fake ticket system on Kestrel (127.0.0.1, a free port): records every exchange, applies armed faults, checks credentials,
/// and holds every answer it produces against the stored API descriptions. Disposing it fails the test if any answer broke them.
/// </summary>
public abstract class FakeHost : IAsyncDisposable
{
    private readonly ConcurrentQueue<RecordedExchange> _exchanges = new();
    private readonly ConcurrentQueue<string> _violations = new();
    private WebApplication? _app;
    private int _port;

    public FaultPlan Faults { get; } = new();
    public Uri BaseUrl => new($"http://127.0.0.1:{_port}/");
    public IReadOnlyCollection<RecordedExchange> Exchanges => _exchanges;
    public IReadOnlyCollection<string> ContractViolations => _violations;
    /// <summary>How many answers were checked against the API descriptions.</summary>
    public int CheckedResponses => _checked;
    private int _checked;

    public int Count(string method, string pathPrefix)
    {
        var n = 0;
        foreach (var e in _exchanges)
        {
            if (e.Method == method && e.Path.StartsWith(pathPrefix, StringComparison.Ordinal)) n++;
        }
        return n;
    }

    protected abstract void Map(WebApplication app);

    /// <summary>Null when the request carries valid credentials for its path, else the error body to send with 401.</summary>
    protected abstract string? Unauthorized(HttpRequest request);

    /// <summary>The vendor's error envelope for a status the fake answers on its own (faults, 404, 400).</summary>
    protected abstract string ErrorBody(string path, int status, string message);

    public async Task ListenAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, _port));
        var app = builder.Build();
        app.Use(Intercept);
        Map(app);
        await app.StartAsync(TestContext.Current.CancellationToken);
        var address = app.Services.GetService(typeof(IServer)) is IServer server
            ? server.Features.Get<IServerAddressesFeature>()!.Addresses.First()
            : throw new InvalidOperationException("no server");
        _port = new Uri(address).Port;
        _app = app;
    }

    /// <summary>"Server down": stops listening, so connections are refused until <see cref="ListenAsync"/> runs again (same port).</summary>
    public async Task StopAsync()
    {
        if (_app is null) return;
        await _app.StopAsync();
        await _app.DisposeAsync();
        _app = null;
    }

    private async Task Intercept(HttpContext context, RequestDelegate next)
    {
        var request = context.Request;
        request.EnableBuffering();
        var requestBody = await new StreamReader(request.Body, Encoding.UTF8).ReadToEndAsync(context.RequestAborted);
        request.Body.Position = 0;

        var original = context.Response.Body;
        using var buffer = new MemoryStream();
        context.Response.Body = buffer;
        var dropped = false;
        var rule = Faults.Take(request);
        try
        {
            if (rule is { Kind: FaultKind.Delay }) await Task.Delay(rule.Delay, context.RequestAborted);
            if (rule is { Kind: FaultKind.Status })
            {
                if (rule.RetryAfter is not null) context.Response.Headers.RetryAfter = rule.RetryAfter;
                await WriteJson(context, rule.Status, ErrorBody(request.Path, rule.Status, Reason(rule.Status)));
            }
            else if (Unauthorized(request) is { } error)
            {
                await WriteJson(context, 401, error);
            }
            else
            {
                await next(context);
            }
            dropped = rule is { Kind: FaultKind.LoseResponse };
        }
        finally
        {
            context.Response.Body = original;
        }

        var responseBody = Encoding.UTF8.GetString(buffer.ToArray());
        _exchanges.Enqueue(new RecordedExchange(request.Method, request.Path.Value ?? "", request.QueryString.Value ?? "",
            context.Response.StatusCode, dropped, DateTimeOffset.UtcNow, requestBody, responseBody));
        if (dropped)
        {
            // The handler has committed its write; the client never learns of it.
            context.Abort();
            return;
        }
        Interlocked.Increment(ref _checked);
        foreach (var problem in ContractSpecs.Shared.Check(request.Method, request.Path.Value ?? "", context.Response.StatusCode,
                     context.Response.ContentType, responseBody))
        {
            _violations.Enqueue(problem);
        }
        buffer.Position = 0;
        await buffer.CopyToAsync(original, context.RequestAborted);
    }

    protected static Task WriteJson(HttpContext context, int status, string json)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json;charset=UTF-8";
        return context.Response.WriteAsync(json);
    }

    protected static string Reason(int status) => status switch
    {
        429 => "Rate limit exceeded",
        500 => "Internal server error",
        502 => "Bad gateway",
        503 => "Service unavailable",
        504 => "Gateway timeout",
        _ => $"Error {status}",
    };

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        GC.SuppressFinalize(this);
        if (!_violations.IsEmpty)
        {
            throw new InvalidOperationException($"{GetType().Name} answered outside the API contract:\n  " + string.Join("\n  ", _violations));
        }
    }
}
