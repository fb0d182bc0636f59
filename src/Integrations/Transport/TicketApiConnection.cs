using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using RestSharp;
using TicketGate.Integrations.Resilience;
using TicketGate.Integrations.Tickets;

namespace TicketGate.Integrations.Transport;

/// <summary>
/// One ticket system's REST endpoint: authorizes each attempt, sends it through the <see cref="TicketChannel"/>, retries once
/// after a 401 when the credential could be renewed, and turns failures into <see cref="TicketSystemException"/>s.
/// </summary>
public sealed class TicketApiConnection : IDisposable
{
    private readonly RestClient _client;
    private readonly IAuthorization _authorization;
    private readonly Func<RestResponse, string> _vendorMessage;

    public TicketApiConnection(string system, Uri baseUrl, IAuthorization authorization, TicketChannel channel,
        Func<RestResponse, string> vendorMessage)
    {
        System = system;
        BaseUrl = baseUrl;
        Channel = channel;
        _authorization = authorization;
        _vendorMessage = vendorMessage;
        _client = new RestClient(new RestClientOptions(baseUrl)
        {
            ThrowOnAnyError = false,
            FollowRedirects = false,
            Timeout = channel.AttemptTimeout,
            UserAgent = "TicketGate",
        });
    }

    public string System { get; }
    public Uri BaseUrl { get; }
    public TicketChannel Channel { get; }

    /// <summary>Sends the request; returns a 2xx response or throws. For <see cref="CallKind.Create"/>, an answer that may hide a
    /// committed write (network failure, 5xx) is thrown as <see cref="WriteUnconfirmedException"/>.</summary>
    public async Task<RestResponse> SendAsync(RestRequest request, CallKind kind, string operation, CancellationToken cancellationToken,
        bool authorize = true)
    {
        request.AddOrUpdateHeader("Accept", "application/json");
        var sent = new SentHeader();
        var response = await AttemptAsync(request, kind, operation, authorize, sent, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Unauthorized && sent.Value is { } rejected
            && await _authorization.RenewAsync(rejected, cancellationToken).ConfigureAwait(false))
        {
            response = await AttemptAsync(request, kind, operation, authorize, sent, cancellationToken).ConfigureAwait(false);
        }
        if (response.IsSuccessStatusCode) return response;

        var failure = new TicketSystemException(System, operation, response.StatusCode == 0 ? null : response.StatusCode,
            _vendorMessage(response), response.ErrorException);
        if (kind == CallKind.Create && (TicketChannel.IsNetworkFailure(response) || (int)response.StatusCode >= 500))
        {
            throw new WriteUnconfirmedException(failure);
        }
        throw failure;
    }

    /// <summary>Sends and parses a JSON object answer; a non-JSON 2xx (a login page) is a configuration error.</summary>
    public async Task<JsonObject> SendForJsonAsync(RestRequest request, CallKind kind, string operation, CancellationToken cancellationToken,
        bool authorize = true)
    {
        var response = await SendAsync(request, kind, operation, cancellationToken, authorize).ConfigureAwait(false);
        if (response.ContentType?.Contains("json", StringComparison.OrdinalIgnoreCase) == true && response.Content is { Length: > 0 } content)
        {
            try
            {
                if (JsonNode.Parse(content) is JsonObject body) return body;
            }
            catch (JsonException)
            {
                // Falls through to the configuration error below.
            }
        }
        throw new TicketSystemException(System, operation, response.StatusCode,
            $"the answer was not a JSON object but {response.ContentType ?? "an empty body"}; check that the base URL {BaseUrl} points at the API, not a login page");
    }

    private async Task<RestResponse> AttemptAsync(RestRequest request, CallKind kind, string operation, bool authorize, SentHeader sent,
        CancellationToken cancellationToken) =>
        await Channel.SendAsync(async ct =>
        {
            if (authorize)
            {
                sent.Value = await _authorization.HeaderAsync(ct).ConfigureAwait(false);
                request.AddOrUpdateHeader("Authorization", sent.Value);
            }
            return await _client.ExecuteAsync(request, ct).ConfigureAwait(false);
        }, kind, operation, cancellationToken).ConfigureAwait(false);

    /// <summary>The credential the last attempt carried, so a 401 renews only the token that was actually refused.</summary>
    private sealed class SentHeader
    {
        public string? Value { get; set; }
    }

    public void Dispose() => _client.Dispose();
}

/// <summary>A create call whose outcome is unknown: the record may exist. Only the create-once protocol catches this.</summary>
public sealed class WriteUnconfirmedException(TicketSystemException failure)
    : Exception($"the outcome of {failure.Operation} is unknown: {failure.Message}", failure)
{
    public TicketSystemException Failure { get; } = failure;
}

internal static class JsonBodies
{
    public static RestRequest WithJson(this RestRequest request, JsonNode body)
    {
        request.AddStringBody(body.ToJsonString(), DataFormat.Json);
        return request;
    }
}
