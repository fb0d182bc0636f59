using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using TicketGate.Proxy.Configuration;
using TicketGate.Proxy.Identity;

namespace TicketGate.Tests.Identity;

/// <summary>A real Kestrel server on 127.0.0.1 serving a <see cref="DevelopmentIssuer"/>, counting the requests it gets.</summary>
public sealed class IssuerHost : IAsyncDisposable
{
    public const string Audience = "api://ticketgate";

    private readonly WebApplication _app;
    private int _keyRequests;
    private int _discoveryRequests;
    private volatile string? _frozenKeys;

    private readonly bool _ownsDirectory;

    private IssuerHost(WebApplication app, DevelopmentIssuer issuer, string dataDirectory, int port, bool ownsDirectory)
    {
        _ownsDirectory = ownsDirectory;
        _app = app;
        Issuer = issuer;
        DataDirectory = dataDirectory;
        Port = port;
    }

    public DevelopmentIssuer Issuer { get; }
    public string DataDirectory { get; }
    public int Port { get; }
    public string BaseUrl => $"http://127.0.0.1:{Port}";
    public int KeyRequests => Volatile.Read(ref _keyRequests);
    public int DiscoveryRequests => Volatile.Read(ref _discoveryRequests);

    /// <summary>Starts on a free port, or on <paramref name="port"/> when a test needs a known address.</summary>
    /// <param name="mapMore">Adds endpoints of the test's own, given the app and its base URL.</param>
    public static async Task<IssuerHost> StartAsync(int? port = null, string? dataDirectory = null, Action<WebApplication, string>? mapMore = null)
    {
        var ownsDirectory = dataDirectory is null;
        dataDirectory ??= TemporaryDirectory();
        // The issuer URL holds the port, so the port is chosen before Kestrel binds; a lost race is retried.
        for (var attempt = 0; ; attempt++)
        {
            var chosen = port ?? FreePort();
            var issuer = new DevelopmentIssuer(dataDirectory, $"http://127.0.0.1:{chosen}{DevelopmentIssuer.DefaultPath}");
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, chosen));
            var app = builder.Build();
            var host = new IssuerHost(app, issuer, dataDirectory, chosen, ownsDirectory);
            app.Use(host.Count);
            app.MapDevelopmentIssuer(issuer);
            mapMore?.Invoke(app, $"http://127.0.0.1:{chosen}");
            try
            {
                await app.StartAsync(TestContext.Current.CancellationToken);
                return host;
            }
            catch (IOException) when (port is null && attempt < 5)
            {
                await app.DisposeAsync();
                issuer.Dispose();
            }
        }
    }

    public TokenValidator CreateValidator(TimeSpan? minimumKeyRefreshInterval = null, string? authority = null,
        TimeSpan? clockSkew = null, string groupsClaim = "groups", int cacheCapacity = 10_000) =>
        new(new OidcOptions
        {
            Authority = authority ?? Issuer.Issuer,
            Audience = Audience,
            GroupsClaim = groupsClaim,
            RequireHttpsMetadata = false,
            ClockSkew = clockSkew ?? TimeSpan.FromSeconds(30),
        },
        new TokenValidatorOptions
        {
            MinimumKeyRefreshInterval = minimumKeyRefreshInterval ?? TimeSpan.FromSeconds(1),
            ValidatedTokenCacheCapacity = cacheCapacity,
        });

    /// <summary>Another issuer instance on the same key file and URL whose clock is shifted, to mint tokens from the past or future.</summary>
    public DevelopmentIssuer WithClockShiftedBy(TimeSpan offset) => new(DataDirectory, Issuer.Issuer, new ShiftedClock(offset));

    public string MintAgentToken(TimeSpan? ttl = null) =>
        Issuer.Mint(DemoDirectory.Agent, DemoDirectory.GroupsOf(DemoDirectory.Agent), ttl ?? TimeSpan.FromMinutes(5), Audience);

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static string TemporaryDirectory()
    {
        var path = Path.Combine(Path.GetTempPath(), "ticketgate-identity-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>Keeps serving the keys published now, as an issuer whose new key has not propagated yet.</summary>
    public void FreezeKeys() => _frozenKeys = Issuer.JwksJson;

    public void ThawKeys() => _frozenKeys = null;

    private Task Count(HttpContext context, RequestDelegate next)
    {
        var path = context.Request.Path.Value ?? "";
        if (path.EndsWith("/keys", StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _keyRequests);
            if (_frozenKeys is { } frozen)
            {
                context.Response.ContentType = "application/json";
                return context.Response.WriteAsync(frozen, context.RequestAborted);
            }
        }
        else if (path.EndsWith("/openid-configuration", StringComparison.Ordinal)) Interlocked.Increment(ref _discoveryRequests);
        return next(context);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
        Issuer.Dispose();
        if (_ownsDirectory) Directory.Delete(DataDirectory, recursive: true);
    }

    /// <summary>A directory inside this host's data directory, removed with it.</summary>
    public string Subdirectory(string name) => Directory.CreateDirectory(Path.Combine(DataDirectory, name)).FullName;

    private sealed class ShiftedClock(TimeSpan offset) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + offset;
    }
}
