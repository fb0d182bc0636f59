using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.IdentityModel.Tokens;

namespace TicketGate.Proxy.Identity;

/// <summary>
/// The demo issuer's browser sign-in: an authorization-code flow with PKCE (S256 only) whose "login" is a page listing the
/// <see cref="DemoDirectory"/> members, so the Studio signs admins in the way it would against Okta. Codes live one minute,
/// are used once, and only redirect back to the issuer's own origin (TicketGate itself). Never for production.
/// </summary>
public sealed class DevelopmentIssuerSignIn(DevelopmentIssuer issuer, string audience, TimeProvider? time = null)
{
    private static readonly TimeSpan CodeLifetime = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan TokenLifetime = TimeSpan.FromHours(1);
    private readonly ConcurrentDictionary<string, PendingCode> codes = new(StringComparer.Ordinal);
    private readonly TimeProvider clock = time ?? TimeProvider.System;

    public void Map(RouteGroupBuilder group)
    {
        group.MapGet("/authorize", ShowSignIn);
        group.MapPost("/authorize", SignInAsync).DisableAntiforgery();
        group.MapPost("/token", TokenAsync).DisableAntiforgery();
    }

    private IResult ShowSignIn(HttpRequest request)
    {
        if (CheckAuthorizeRequest(request.Query["response_type"], request.Query["redirect_uri"], request.Query["code_challenge"],
                request.Query["code_challenge_method"]) is { } problem) return problem;
        var hidden = new StringBuilder();
        foreach (var name in (ReadOnlySpan<string>)["client_id", "redirect_uri", "state", "code_challenge", "code_challenge_method", "scope"])
        {
            hidden.Append("<input type=\"hidden\" name=\"").Append(name).Append("\" value=\"")
                .Append(WebUtility.HtmlEncode(request.Query[name].ToString())).Append("\">");
        }
        var people = new StringBuilder();
        foreach (var (name, groups) in DemoDirectory.Members)
        {
            people.Append("<li><button type=\"submit\" name=\"user\" value=\"").Append(WebUtility.HtmlEncode(name)).Append("\">")
                .Append(WebUtility.HtmlEncode(name)).Append("</button> <small>").Append(WebUtility.HtmlEncode(string.Join(", ", groups))).Append("</small></li>");
        }
        var html = $$"""
            <!doctype html><html><head><meta charset="utf-8"><title>Demo issuer sign-in</title>
            <style>body{font-family:sans-serif;max-width:32rem;margin:3rem auto}li{margin:.5rem 0}button{min-width:8rem;padding:.4rem}</style></head>
            <body><h1>TicketGate demo issuer</h1><p>Sign in as one of the demo directory's people (this page stands in for Okta's login).</p>
            <form method="post" action="{{issuer.BasePath}}/authorize">{{hidden}}<ul>{{people}}</ul></form></body></html>
            """;
        return Results.Content(html, "text/html; charset=utf-8");
    }

    private async Task<IResult> SignInAsync(HttpRequest request)
    {
        var form = await request.ReadFormAsync(request.HttpContext.RequestAborted);
        if (CheckAuthorizeRequest(form["response_type"].Count == 0 ? "code" : form["response_type"], form["redirect_uri"], form["code_challenge"],
                form["code_challenge_method"]) is { } problem) return problem;
        var user = form["user"].ToString();
        if (!DemoDirectory.TryGetGroups(user, out _)) return Bad($"'{user}' is not in the demo directory.");
        var code = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        Sweep();
        codes[code] = new PendingCode(user, form["client_id"].ToString(), form["redirect_uri"].ToString(), form["code_challenge"].ToString(),
            clock.GetUtcNow() + CodeLifetime);
        var target = $"{form["redirect_uri"]}{(form["redirect_uri"].ToString().Contains('?') ? '&' : '?')}code={Uri.EscapeDataString(code)}&state={Uri.EscapeDataString(form["state"].ToString())}";
        return Results.Redirect(target);
    }

    private async Task<IResult> TokenAsync(HttpRequest request)
    {
        var form = await request.ReadFormAsync(request.HttpContext.RequestAborted);
        if (form["grant_type"] != "authorization_code") return TokenError("unsupported_grant_type", "only authorization_code is supported");
        if (!codes.TryRemove(form["code"].ToString(), out var pending) || pending.ExpiresAt < clock.GetUtcNow())
        {
            return TokenError("invalid_grant", "the code is unknown, used or expired");
        }
        if (pending.RedirectUri != form["redirect_uri"] || pending.ClientId != form["client_id"])
        {
            return TokenError("invalid_grant", "redirect_uri or client_id differ from the authorization request");
        }
        var verifier = form["code_verifier"].ToString();
        var challenge = Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        if (verifier.Length < 43 || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(challenge), Encoding.ASCII.GetBytes(pending.Challenge)))
        {
            return TokenError("invalid_grant", "the PKCE code_verifier does not match the code_challenge");
        }
        var groups = DemoDirectory.GroupsOf(pending.User);
        var body = new JsonObject
        {
            ["access_token"] = issuer.Mint(pending.User, groups, TokenLifetime, audience),
            ["id_token"] = issuer.Mint(pending.User, groups, TokenLifetime, pending.ClientId),
            ["token_type"] = "Bearer",
            ["expires_in"] = (int)TokenLifetime.TotalSeconds,
            ["scope"] = "openid groups",
        };
        return Results.Text(body.ToJsonString(), "application/json; charset=utf-8");
    }

    private IResult? CheckAuthorizeRequest(string? responseType, string? redirectUri, string? challenge, string? method)
    {
        if (responseType != "code") return Bad("response_type must be 'code'.");
        if (string.IsNullOrEmpty(challenge) || method != "S256") return Bad("PKCE is required: send code_challenge with code_challenge_method=S256.");
        if (!Uri.TryCreate(redirectUri, UriKind.Absolute, out var target) ||
            !string.Equals(target.GetLeftPart(UriPartial.Authority), new Uri(issuer.Issuer).GetLeftPart(UriPartial.Authority), StringComparison.OrdinalIgnoreCase))
        {
            return Bad($"redirect_uri must be on the issuer's own origin ({new Uri(issuer.Issuer).GetLeftPart(UriPartial.Authority)}).");
        }
        return null;
    }

    private void Sweep()
    {
        var now = clock.GetUtcNow();
        foreach (var (code, pending) in codes)
        {
            if (pending.ExpiresAt < now) codes.TryRemove(code, out _);
        }
    }

    private static IResult Bad(string detail) => Results.Problem(detail: detail, statusCode: 400, title: "Bad sign-in request");

    private static IResult TokenError(string error, string description) =>
        Results.Json(new { error, error_description = description }, statusCode: 400);

    private sealed record PendingCode(string User, string ClientId, string RedirectUri, string Challenge, DateTimeOffset ExpiresAt);
}
