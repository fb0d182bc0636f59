using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace TicketGate.Proxy.Identity;

public static class DevelopmentIssuerEndpoints
{
    // Short, so a validator that caches HTTP responses still sees a rotated key within a minute.
    private const string CacheControl = "public, max-age=60";

    /// <summary>
    /// Serves GET {path}/.well-known/openid-configuration, GET {path}/keys and the browser sign-in ({path}/authorize, {path}/token),
    /// {path} being the issuer URL's path; signed-in people get access tokens for <paramref name="audience"/>.
    /// </summary>
    public static RouteGroupBuilder MapDevelopmentIssuer(this IEndpointRouteBuilder endpoints, DevelopmentIssuer issuer, string audience = "api://ticketgate")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(issuer);

        var group = endpoints.MapGroup(issuer.BasePath);
        group.MapGet("/.well-known/openid-configuration", context => WriteJson(context, issuer.DiscoveryDocumentJson));
        group.MapGet("/keys", context => WriteJson(context, issuer.JwksJson));
        new DevelopmentIssuerSignIn(issuer, audience).Map(group);
        return group;
    }

    private static Task WriteJson(HttpContext context, string json)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.CacheControl = CacheControl;
        return context.Response.WriteAsync(json, context.RequestAborted);
    }
}
