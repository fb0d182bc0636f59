using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using TicketGate.Proxy.Configuration;
using TicketGate.Proxy.Identity;

namespace TicketGate.Tests.Identity;

public sealed class IssuerOutageTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Issuer_refusing_connections_is_reported_unreachable_at_once()
    {
        var authority = $"http://127.0.0.1:{IssuerHost.FreePort()}/oidc";
        using var validator = Validator(authority);
        var token = MintFor(authority);

        var clock = Stopwatch.StartNew();
        var outcome = await validator.ValidateAsync(token, Ct);

        Assert.Equal(TokenFailure.IssuerUnreachable, outcome.Failure);
        Assert.StartsWith($"could not reach the OIDC issuer {authority}: ", outcome.Message);
        Assert.Contains("refused", outcome.Message, StringComparison.OrdinalIgnoreCase);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task Issuer_that_never_answers_is_reported_unreachable_after_the_request_timeout()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var authority = $"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}/oidc";
        using var validator = Validator(authority, requestTimeout: TimeSpan.FromMilliseconds(500));
        var token = MintFor(authority);

        var clock = Stopwatch.StartNew();
        var first = await validator.ValidateAsync(token, Ct);
        var firstTook = clock.Elapsed;
        clock.Restart();
        var second = await validator.ValidateAsync(token, Ct);

        Assert.Equal(TokenFailure.IssuerUnreachable, first.Failure);
        Assert.Contains("no answer within 0.5s", first.Message);
        Assert.InRange(firstTook, TimeSpan.FromMilliseconds(400), TimeSpan.FromSeconds(3));
        // While the failure is fresh, further connections are answered from it instead of waiting again.
        Assert.Equal(TokenFailure.IssuerUnreachable, second.Failure);
        Assert.True(clock.Elapsed < TimeSpan.FromMilliseconds(200), $"second attempt took {clock.Elapsed}");
    }

    [Fact]
    public async Task Authority_without_a_discovery_document_is_reported_with_the_http_status()
    {
        await using var host = await IssuerHost.StartAsync();
        using var validator = Validator(host.BaseUrl + "/not-an-issuer");

        var outcome = await validator.ValidateAsync(host.MintAgentToken(), Ct);

        Assert.Equal(TokenFailure.IssuerUnreachable, outcome.Failure);
        Assert.Contains("HTTP 404", outcome.Message);
    }

    [Fact]
    public async Task Validation_recovers_when_the_issuer_comes_back()
    {
        var port = IssuerHost.FreePort();
        var dataDirectory = IssuerHost.TemporaryDirectory();
        var authority = $"http://127.0.0.1:{port}/oidc";
        using var validator = Validator(authority);
        var token = MintFor(authority, dataDirectory);
        Assert.Equal(TokenFailure.IssuerUnreachable, (await validator.ValidateAsync(token, Ct)).Failure);

        await using var host = await IssuerHost.StartAsync(port, dataDirectory);
        await Task.Delay(UnreachableRetry + TimeSpan.FromMilliseconds(50), Ct);
        var outcome = await validator.ValidateAsync(token, Ct);

        Assert.True(outcome.IsValid, outcome.Message);
        Directory.Delete(dataDirectory, recursive: true);
    }

    [Fact]
    public async Task Known_keys_keep_working_while_the_issuer_is_down()
    {
        var host = await IssuerHost.StartAsync();
        using var validator = host.CreateValidator();
        Assert.True((await validator.ValidateAsync(host.MintAgentToken(), Ct)).IsValid);
        var laterToken = host.Issuer.Mint("alice", ["dba"], TimeSpan.FromMinutes(5), IssuerHost.Audience);

        await host.DisposeAsync();
        var outcome = await validator.ValidateAsync(laterToken, Ct);

        Assert.True(outcome.IsValid, outcome.Message);
    }

    [Fact]
    public void Plain_http_authority_is_refused_at_startup_unless_https_is_waived()
    {
        var options = new OidcOptions { Authority = "http://idp.example.com/oauth2/default", Audience = IssuerHost.Audience };

        var error = Assert.Throws<ArgumentException>(() => new TokenValidator(options));

        Assert.Contains("requireHttpsMetadata", error.Message);
    }

    private static readonly TimeSpan UnreachableRetry = TimeSpan.FromMilliseconds(200);

    private static TokenValidator Validator(string authority, TimeSpan? requestTimeout = null) => new(
        new OidcOptions { Authority = authority, Audience = IssuerHost.Audience, RequireHttpsMetadata = false },
        new TokenValidatorOptions
        {
            MetadataRequestTimeout = requestTimeout ?? TimeSpan.FromSeconds(5),
            UnreachableRetryInterval = UnreachableRetry,
            MinimumKeyRefreshInterval = TimeSpan.FromSeconds(1),
        });

    /// <summary>A token from an issuer at <paramref name="authority"/>, its key kept in <paramref name="dataDirectory"/> or thrown away.</summary>
    private static string MintFor(string authority, string? dataDirectory = null)
    {
        var directory = dataDirectory ?? IssuerHost.TemporaryDirectory();
        try
        {
            using var issuer = new DevelopmentIssuer(directory, authority);
            return issuer.Mint("agent-7", ["agents"], TimeSpan.FromMinutes(5), IssuerHost.Audience);
        }
        finally
        {
            if (dataDirectory is null) Directory.Delete(directory, recursive: true);
        }
    }
}
