using System.Text.Json.Nodes;
using RestSharp;
using TicketGate.Integrations.Resilience;
using TicketGate.Integrations.Tickets;
using TicketGate.Integrations.Transport;

namespace TicketGate.Integrations.ServiceNow;

/// <summary>
/// OAuth 2.0 password grant against /oauth_token.do. Tokens are renewed before they expire and after a 401, first with the
/// refresh token, then with a new password grant. Neither secret nor token ever appears in a message.
/// </summary>
public sealed class ServiceNowOAuth : IAuthorization, IDisposable
{
    /// <summary>Renew this long before the announced expiry, so a token never dies in flight.</summary>
    private static readonly TimeSpan ExpiryMargin = TimeSpan.FromSeconds(60);

    private readonly TicketApiConnection _tokenEndpoint;
    private readonly string _clientId;
    private readonly Func<string> _clientSecret;
    private readonly string _user;
    private readonly Func<string> _password;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private string? _accessToken;
    private string? _refreshToken;
    private DateTimeOffset _renewAt;

    public ServiceNowOAuth(Uri instanceUrl, string clientId, Func<string> clientSecret, string user, Func<string> password,
        TicketChannelOptions? channel = null, TimeProvider? time = null)
    {
        _clientId = clientId;
        _clientSecret = clientSecret;
        _user = user;
        _password = password;
        _time = time ?? TimeProvider.System;
        _tokenEndpoint = new TicketApiConnection("ServiceNow OAuth", instanceUrl, NoAuthorization.Instance,
            new TicketChannel("ServiceNow OAuth", channel ?? new TicketChannelOptions()), VendorError.FromServiceNow);
    }

    /// <summary>How many tokens were issued, by any grant; tests use it to see a refresh happen.</summary>
    public int TokensIssued { get; private set; }

    public async ValueTask<string> HeaderAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_accessToken is null || _time.GetUtcNow() >= _renewAt) await ObtainAsync(cancellationToken).ConfigureAwait(false);
            return "Bearer " + _accessToken;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask<bool> RenewAsync(string rejectedHeader, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Another call may have renewed already; then the new token is worth a try without asking for one more.
            if (_accessToken is not null && rejectedHeader != "Bearer " + _accessToken) return true;
            _accessToken = null;
            await ObtainAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task ObtainAsync(CancellationToken cancellationToken)
    {
        if (_refreshToken is not null)
        {
            try
            {
                await GrantAsync("refresh_token", cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (TicketSystemException e) when (e is not TicketChannelUnavailableException)
            {
                // An expired or revoked refresh token: start over with the password grant below.
                _refreshToken = null;
            }
        }
        await GrantAsync("password", cancellationToken).ConfigureAwait(false);
    }

    private async Task GrantAsync(string grant, CancellationToken cancellationToken)
    {
        var request = new RestRequest("oauth_token.do", Method.Post)
            .AddParameter("grant_type", grant)
            .AddParameter("client_id", _clientId)
            .AddParameter("client_secret", _clientSecret());
        if (grant == "refresh_token")
        {
            request.AddParameter("refresh_token", _refreshToken!);
        }
        else
        {
            request.AddParameter("username", _user).AddParameter("password", _password());
        }
        var operation = $"issue an OAuth token ({grant} grant for {_user}, client {_clientId})";
        JsonObject token;
        try
        {
            token = await _tokenEndpoint.SendForJsonAsync(request, CallKind.Repeatable, operation, cancellationToken, authorize: false)
                .ConfigureAwait(false);
        }
        catch (TicketSystemException e) when (e.Status == System.Net.HttpStatusCode.Unauthorized)
        {
            throw new TicketSystemException("ServiceNow", operation, e.Status,
                "the client id, client secret, user or password was refused; check the OAuth application and the integration user", e);
        }
        _accessToken = token["access_token"]?.GetValue<string>()
            ?? throw new TicketSystemException("ServiceNow", operation, null, "the token answer has no access_token");
        _refreshToken = token["refresh_token"]?.GetValue<string>() ?? _refreshToken;
        var lifetime = TimeSpan.FromSeconds(token["expires_in"]?.GetValue<int>() ?? 1799);
        _renewAt = _time.GetUtcNow() + (lifetime > ExpiryMargin * 2 ? lifetime - ExpiryMargin : lifetime / 2);
        TokensIssued++;
    }

    public override string ToString() => $"OAuth password grant as {_user}, client {_clientId}";

    public void Dispose()
    {
        _tokenEndpoint.Dispose();
        _gate.Dispose();
    }
}
