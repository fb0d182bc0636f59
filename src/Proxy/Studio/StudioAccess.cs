using Microsoft.AspNetCore.Http;
using TicketGate.Proxy.Identity;

namespace TicketGate.Proxy.Studio;

/// <summary>
/// Who may use the Studio and its API: members of <c>http.admin_groups</c>, by the session cookie set at sign-in (it holds
/// their access token, checked on every request by the same validator as the API and the Hangfire dashboard) or by a
/// bearer token for scripts and tests. Everyone else gets 403.
/// </summary>
internal sealed class StudioAccess(ITokenValidator tokens, IReadOnlyList<string> adminGroups)
{
    public const string SessionCookie = "TicketGate.Studio";

    public IReadOnlyList<string> AdminGroups { get; } = adminGroups;

    public async Task<StudioCaller> CheckAsync(HttpContext http)
    {
        var header = http.Request.Headers.Authorization.ToString();
        string? token = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header[7..].Trim() : null;
        token ??= http.Request.Cookies[SessionCookie];
        if (string.IsNullOrEmpty(token)) return new StudioCaller(null, "nobody is signed in");
        return await CheckTokenAsync(token, http.RequestAborted).ConfigureAwait(false);
    }

    public async Task<StudioCaller> CheckTokenAsync(string token, CancellationToken cancellationToken)
    {
        var outcome = await tokens.ValidateAsync(token, cancellationToken).ConfigureAwait(false);
        if (!outcome.IsValid) return new StudioCaller(null, "the session token was refused: " + outcome.Message);
        return outcome.Identity.IsInAnyGroup([.. AdminGroups])
            ? new StudioCaller(outcome.Identity, null)
            : new StudioCaller(null, $"{outcome.Identity.Subject} is not in an admin group ({string.Join(", ", AdminGroups)})");
    }

    /// <summary>The admin's token in an HttpOnly, SameSite=Lax cookie for the whole origin (pages, bundle and /elsa/api) until it expires.</summary>
    public static void StartSession(HttpContext http, string accessToken, DateTimeOffset expires) =>
        http.Response.Cookies.Append(SessionCookie, accessToken, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Lax,
            Secure = http.Request.IsHttps,
            Path = "/",
            Expires = expires,
            IsEssential = true,
        });

    public static void EndSession(HttpContext http) => http.Response.Cookies.Delete(SessionCookie, new CookieOptions { Path = "/" });
}

internal sealed record StudioCaller(AgentIdentity? Admin, string? Refusal)
{
    public bool IsAdmin => Admin is not null;
}
