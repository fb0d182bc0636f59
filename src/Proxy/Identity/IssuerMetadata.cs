using System.Net;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace TicketGate.Proxy.Identity;

/// <summary>
/// The issuer's discovery document and signing keys, cached by <see cref="ConfigurationManager{T}"/>.
/// Adds what the manager leaves to its callers: one shared first fetch with a remembered failure (so an outage
/// does not queue every connection behind a timeout), and a throttled forced refresh for unknown key ids.
/// </summary>
internal sealed class IssuerMetadata : IDisposable
{
    // The manager refreshes in the background; this is how often we look whether the refreshed document has landed.
    private static readonly TimeSpan ReplacementPollInterval = TimeSpan.FromMilliseconds(10);

    private readonly ConfigurationManager<OpenIdConnectConfiguration> _manager;
    private readonly HttpClient _http;
    private readonly TimeSpan _requestTimeout;
    private readonly TimeSpan _minimumRefreshInterval;
    private readonly TimeSpan _unreachableRetryInterval;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();

    private volatile OpenIdConnectConfiguration? _known;
    private Task<OpenIdConnectConfiguration>? _firstFetch;
    private (string Reason, DateTimeOffset RetryAt)? _firstFetchFailure;
    private Task<OpenIdConnectConfiguration>? _forcedRefresh;
    private DateTimeOffset _lastForcedRefresh = DateTimeOffset.MinValue;

    public IssuerMetadata(string authority, bool requireHttps, TokenValidatorOptions options, TimeProvider time)
    {
        MetadataAddress = authority + "/.well-known/openid-configuration";
        _time = time;
        _requestTimeout = options.MetadataRequestTimeout;
        _unreachableRetryInterval = options.UnreachableRetryInterval;
        _minimumRefreshInterval = options.MinimumKeyRefreshInterval < ConfigurationManager<OpenIdConnectConfiguration>.MinimumRefreshInterval
            ? ConfigurationManager<OpenIdConnectConfiguration>.MinimumRefreshInterval
            : options.MinimumKeyRefreshInterval;

        // Pooled connections are recycled so a moved issuer (Okta changes addresses) is followed.
        _http = options.MetadataHandler is null
            ? new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
            : new HttpClient(options.MetadataHandler, disposeHandler: false);
        _http.Timeout = _requestTimeout;
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("TicketGate");

        _manager = new ConfigurationManager<OpenIdConnectConfiguration>(
            MetadataAddress,
            new OpenIdConnectConfigurationRetriever(),
            new HttpDocumentRetriever(_http) { RequireHttps = requireHttps })
        {
            RefreshInterval = _minimumRefreshInterval,
        };
    }

    public string MetadataAddress { get; }

    /// <summary>The cached document; fetches it on first use. Throws <see cref="IssuerUnreachableException"/>.</summary>
    public ValueTask<OpenIdConnectConfiguration> GetAsync(CancellationToken ct)
    {
        // Once a document exists the manager never throws: it serves the cached one and refreshes behind the scenes.
        if (_known is not null) return new ValueTask<OpenIdConnectConfiguration>(_manager.GetConfigurationAsync(ct));
        return FirstFetchAsync(ct);
    }

    /// <summary>
    /// Asks the issuer again because a token names a key we do not have. Concurrent callers share one refresh;
    /// within <see cref="TokenValidatorOptions.MinimumKeyRefreshInterval"/> of the last one, the cached document is returned as is.
    /// </summary>
    public async ValueTask<(OpenIdConnectConfiguration Configuration, bool Refreshed)> RefreshForUnknownKeyAsync(
        OpenIdConnectConfiguration stale, CancellationToken ct)
    {
        Task<OpenIdConnectConfiguration> refresh;
        lock (_gate)
        {
            if (_forcedRefresh is null)
            {
                if (_time.GetUtcNow() - _lastForcedRefresh < _minimumRefreshInterval) return (stale, false);
                _manager.RequestRefresh();
                // Taken after RequestRefresh so our throttle never opens before the manager's own one does.
                _lastForcedRefresh = _time.GetUtcNow();
                _forcedRefresh = AwaitReplacementAsync(stale);
            }
            refresh = _forcedRefresh;
        }
        return (await refresh.WaitAsync(ct).ConfigureAwait(false), true);
    }

    private async Task<OpenIdConnectConfiguration> AwaitReplacementAsync(OpenIdConnectConfiguration stale)
    {
        try
        {
            // Discovery and JWKS are two requests; past both timeouts the refresh has failed and the stale document stands.
            var deadline = _time.GetUtcNow() + _requestTimeout + _requestTimeout;
            while (true)
            {
                var current = await _manager.GetConfigurationAsync(CancellationToken.None).ConfigureAwait(false);
                if (!ReferenceEquals(current, stale) || _time.GetUtcNow() >= deadline)
                {
                    _known = current;
                    return current;
                }
                await Task.Delay(ReplacementPollInterval, _time).ConfigureAwait(false);
            }
        }
        finally
        {
            lock (_gate) _forcedRefresh = null;
        }
    }

    private async ValueTask<OpenIdConnectConfiguration> FirstFetchAsync(CancellationToken ct)
    {
        Task<OpenIdConnectConfiguration> fetch;
        lock (_gate)
        {
            if (_known is { } known) return known;
            if (_firstFetchFailure is { } failure && _time.GetUtcNow() < failure.RetryAt)
            {
                throw new IssuerUnreachableException(failure.Reason, null);
            }
            if (_firstFetch is { IsCompleted: true }) _firstFetch = null;
            fetch = _firstFetch ??= FetchOnceAsync();
        }
        return await fetch.WaitAsync(ct).ConfigureAwait(false);
    }

    private async Task<OpenIdConnectConfiguration> FetchOnceAsync()
    {
        try
        {
            // Not the caller's token: this fetch is shared, and the HttpClient timeout bounds it.
            var configuration = await _manager.GetConfigurationAsync(CancellationToken.None).ConfigureAwait(false);
            lock (_gate) _firstFetchFailure = null;
            _known = configuration;
            return configuration;
        }
        catch (Exception ex)
        {
            var reason = DescribeFailure(ex);
            lock (_gate) _firstFetchFailure = (reason, _time.GetUtcNow() + _unreachableRetryInterval);
            throw new IssuerUnreachableException(reason, ex);
        }
        finally
        {
            lock (_gate) _firstFetch = null;
        }
    }

    /// <summary>The most telling cause in the chain, in words an operator can act on; the library's own text hides details.</summary>
    private string DescribeFailure(Exception ex)
    {
        Exception innermost = ex;
        for (var e = ex; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case TimeoutException or TaskCanceledException:
                    return $"no answer within {_requestTimeout.TotalSeconds:0.###}s";
                case HttpRequestException http:
                    return http.Message;
                case IOException io when io.Data[HttpDocumentRetriever.StatusCode] is HttpStatusCode status:
                    return $"it answered HTTP {(int)status} {status} for its discovery document or keys";
            }
            innermost = e;
        }
        return $"its discovery document or keys could not be read ({innermost.GetType().Name})";
    }

    public void Dispose() => _http.Dispose();
}
