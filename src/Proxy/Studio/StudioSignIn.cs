using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.Tokens;
using TicketGate.Proxy.Configuration;

namespace TicketGate.Proxy.Studio;

/// <summary>
/// Signs admins in for the Studio with OpenID Connect's authorization-code flow and PKCE against <c>oidc.authority</c>
/// (Okta, or the demo issuer's sign-in page). The access token it gets is checked like any other; an admin's becomes the
/// session cookie.
/// </summary>
internal sealed class StudioSignIn(TicketGateOptions options, StudioAccess access, HttpClient http)
{
    public const string SignInPath = "/studio/signin";
    public const string CallbackPath = "/studio/signin/callback";
    public const string SignOutPath = "/studio/signout";
    private const string FlowCookie = "TicketGate.Studio.SignIn";

    private readonly SemaphoreSlim discoveryLock = new(1, 1);
    private (string Authorize, string Token)? endpoints;

    public async Task<IResult> StartAsync(HttpContext context)
    {
        string authorize;
        try
        {
            (authorize, _) = await EndpointsAsync(context.RequestAborted);
        }
        catch (Exception e) when (e is HttpRequestException or InvalidOperationException or JsonException or TaskCanceledException)
        {
            return Refused($"The identity provider {options.Oidc.Authority} can't be used for sign-in right now: {e.Message}", 503);
        }
        var state = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(24));
        var verifier = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        var challenge = Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        var returnUrl = LocalReturnUrl(context.Request.Query["returnUrl"]);
        context.Response.Cookies.Append(FlowCookie, $"{state}|{verifier}|{returnUrl}", new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Lax,
            Secure = context.Request.IsHttps,
            Path = SignInPath,
            MaxAge = TimeSpan.FromMinutes(10),
        });
        var query = new StringBuilder(authorize).Append(authorize.Contains('?') ? '&' : '?')
            .Append("response_type=code&client_id=").Append(Uri.EscapeDataString(options.Studio.ClientId))
            .Append("&redirect_uri=").Append(Uri.EscapeDataString(RedirectUri(context)))
            .Append("&scope=").Append(Uri.EscapeDataString(options.Studio.Scopes))
            .Append("&state=").Append(state)
            .Append("&code_challenge=").Append(challenge).Append("&code_challenge_method=S256");
        return Results.Redirect(query.ToString());
    }

    public async Task<IResult> CallbackAsync(HttpContext context)
    {
        var query = context.Request.Query;
        if (query["error"].Count > 0) return Refused($"The identity provider refused the sign-in: {query["error"]} {query["error_description"]}", 403);
        var flow = context.Request.Cookies[FlowCookie]?.Split('|', 3);
        if (flow is not { Length: 3 } || flow[0] != query["state"]) return Refused("The sign-in expired or did not start here; start again at " + SignInPath, 400);
        context.Response.Cookies.Delete(FlowCookie, new CookieOptions { Path = SignInPath });

        var form = new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = query["code"].ToString(),
            ["redirect_uri"] = RedirectUri(context),
            ["client_id"] = options.Studio.ClientId,
            ["code_verifier"] = flow[1],
        };
        // The secret may be a file: read off the request thread (requests are scheduled inline).
        if (options.Studio.ClientSecret is { } secret) form["client_secret"] = await Task.Run(secret.Read);
        string body;
        HttpStatusCode status;
        try
        {
            var (_, tokenEndpoint) = await EndpointsAsync(context.RequestAborted);
            using var response = await http.PostAsync(tokenEndpoint, new FormUrlEncodedContent(form), context.RequestAborted);
            (status, body) = (response.StatusCode, await response.Content.ReadAsStringAsync(context.RequestAborted));
        }
        catch (Exception e) when (e is HttpRequestException or InvalidOperationException or JsonException or TaskCanceledException)
        {
            return Refused($"The identity provider {options.Oidc.Authority} could not be reached to finish the sign-in: {e.Message}", 503);
        }
        if ((int)status is < 200 or > 299) return Refused($"The identity provider did not issue a token ({(int)status}): {body}", 403);
        string? accessToken = null;
        var lifetime = 3600;
        try
        {
            using var json = JsonDocument.Parse(body);
            if (json.RootElement.TryGetProperty("access_token", out var tokenElement)) accessToken = tokenElement.GetString();
            if (json.RootElement.TryGetProperty("expires_in", out var expiresIn) && expiresIn.TryGetInt32(out var seconds)) lifetime = seconds;
        }
        catch (JsonException)
        {
            // Reported below as a missing token.
        }
        if (string.IsNullOrEmpty(accessToken)) return Refused("The identity provider's token response has no access_token.", 403);
        var caller = await access.CheckTokenAsync(accessToken, context.RequestAborted);
        if (!caller.IsAdmin) return Refused($"Signed in, but not allowed into the Studio: {caller.Refusal}.", 403);
        StudioAccess.StartSession(context, accessToken, DateTimeOffset.UtcNow.AddSeconds(lifetime));
        return Results.Redirect(flow[2]);
    }

    public static IResult SignOut(HttpContext context)
    {
        StudioAccess.EndSession(context);
        return Results.Content("<!doctype html><meta charset=\"utf-8\"><title>Signed out</title><p>Signed out of TicketGate Studio. <a href=\"/studio/signin\">Sign in again</a></p>",
            "text/html; charset=utf-8");
    }

    /// <summary>The page a 403 shows to a person: what went wrong and where to go.</summary>
    public static IResult Refused(string message, int status) => Results.Content(
        $"<!doctype html><meta charset=\"utf-8\"><title>TicketGate Studio</title><h1>Not signed in</h1><p>{System.Net.WebUtility.HtmlEncode(message)}</p><p><a href=\"{SignInPath}\">Sign in as someone else</a></p>",
        "text/html; charset=utf-8", Encoding.UTF8, status);

    private string RedirectUri(HttpContext context) => StudioPages.Origin(context, options) + CallbackPath;

    private static string LocalReturnUrl(string? requested) =>
        requested is { Length: > 1 } url && url.StartsWith("/studio", StringComparison.Ordinal) && !url.StartsWith("//", StringComparison.Ordinal)
            ? url : "/studio/workflows/definitions";

    private async Task<(string Authorize, string Token)> EndpointsAsync(CancellationToken cancellationToken)
    {
        if (endpoints is { } known) return known;
        await discoveryLock.WaitAsync(cancellationToken);
        try
        {
            if (endpoints is { } again) return again;
            var url = options.Oidc.Authority.TrimEnd('/') + "/.well-known/openid-configuration";
            var discovery = await http.GetFromJsonAsync<JsonElement>(url, cancellationToken);
            if (!discovery.TryGetProperty("authorization_endpoint", out var authorize) || !discovery.TryGetProperty("token_endpoint", out var token))
            {
                throw new InvalidOperationException($"The issuer {options.Oidc.Authority} has no authorization or token endpoint, so admins can't sign in to the Studio.");
            }
            endpoints = (authorize.GetString()!, token.GetString()!);
            return endpoints.Value;
        }
        finally
        {
            discoveryLock.Release();
        }
    }
}
