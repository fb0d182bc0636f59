using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using TicketGate.Proxy.Api;
using TicketGate.Proxy.Configuration;
using TicketGate.Proxy.Demo;
using TicketGate.Proxy.Identity;

namespace TicketGate.Proxy.Cli;

/// <summary>Calls TicketGate's HTTP API for the CLI: finds the address and a token, and turns problem+json into a one-line error.</summary>
internal sealed class ApiClient : IDisposable
{
    private readonly HttpClient _http;

    private ApiClient(string baseUrl, string token)
    {
        _http = new HttpClient { BaseAddress = new Uri(baseUrl.TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(30) };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    /// <summary>
    /// The API of the running demo in <paramref name="dataDir"/> (acting as <paramref name="actAs"/>, a name of the demo's directory),
    /// or of the deployment at <paramref name="url"/> with <paramref name="token"/>.
    /// </summary>
    public static ApiClient Connect(string? dataDir, string? actAs, string? url, string? token, string defaultActAs)
    {
        url ??= Environment.GetEnvironmentVariable("TICKETGATE_URL");
        token ??= Environment.GetEnvironmentVariable("TICKETGATE_TOKEN");
        var folder = new DemoFolder(dataDir ?? DemoFolder.DefaultPath());
        var runtime = folder.ReadRunningRuntime();
        if (url is null)
        {
            url = runtime?.HttpUrl ?? throw new CliException(
                $"no running demo found in {folder.Path}: start one with `ticketgate demo`, or pass --url and --token for a deployment");
        }
        if (token is null || actAs is not null)
        {
            if (runtime is null) throw new CliException("--as works only with a running demo; pass --token with a token from your identity provider");
            var name = actAs ?? defaultActAs;
            if (!DemoDirectory.TryGetGroups(name, out var groups))
            {
                throw new CliException($"\"{name}\" is not in the demo's directory; use one of: {string.Join(", ", DemoDirectory.Members.Keys)}");
            }
            using var issuer = new DevelopmentIssuer(folder.Path, runtime.Issuer);
            token = issuer.Mint(name, groups, TimeSpan.FromMinutes(5), runtime.Audience);
        }
        return new ApiClient(url, token);
    }

    public Task<T> GetAsync<T>(string path, CancellationToken cancellationToken) => SendAsync<T>(HttpMethod.Get, path, null, cancellationToken);

    public Task<T> PostAsync<T>(string path, object body, CancellationToken cancellationToken) => SendAsync<T>(HttpMethod.Post, path, body, cancellationToken);

    private async Task<T> SendAsync<T>(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path.TrimStart('/'));
        if (body is not null) request.Content = JsonContent.Create(body, options: TicketGateApi.Json);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new CliException($"could not reach TicketGate at {_http.BaseAddress}: {e.Message}");
        }
        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                throw new CliException(DescribeProblem((int)response.StatusCode, text));
            }
            return await response.Content.ReadFromJsonAsync<T>(TicketGateApi.Json, cancellationToken).ConfigureAwait(false)
                ?? throw new CliException("TicketGate answered with an empty body");
        }
    }

    private static string DescribeProblem(int status, string body)
    {
        try
        {
            using var problem = JsonDocument.Parse(body);
            var detail = problem.RootElement.TryGetProperty("detail", out var d) ? d.GetString() : null;
            var title = problem.RootElement.TryGetProperty("title", out var t) ? t.GetString() : null;
            return $"{title ?? "error"} ({status}): {detail ?? body}";
        }
        catch (JsonException)
        {
            return $"TicketGate answered {status}: {body}";
        }
    }

    public void Dispose() => _http.Dispose();
}
