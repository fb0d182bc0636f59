namespace TicketGate.Proxy.Configuration;

/// <summary>
/// The Elsa Studio designer under /studio: the OIDC client admins sign in with (authorization code + PKCE against
/// <c>oidc.authority</c>) and where the npm bundle lives.
/// </summary>
public sealed class StudioOptions
{
    /// <summary>The OIDC client id registered at the issuer for the Studio (an Okta web or SPA app).</summary>
    public string ClientId { get; init; } = "ticketgate-studio";

    /// <summary>The client secret, for issuers that require one (Okta web apps); null for public clients with PKCE only.</summary>
    public SecretReference? ClientSecret { get; init; }

    /// <summary>Scopes requested at sign-in; the access token must carry the groups claim.</summary>
    public string Scopes { get; init; } = "openid profile groups";

    /// <summary>The folder holding the bundle's _framework/ and _content/; null: the studio folder beside the executable.</summary>
    public string? BundleDirectory { get; init; }

    public string ResolveBundleDirectory() => BundleDirectory ?? Path.Combine(AppContext.BaseDirectory, "studio");
}
