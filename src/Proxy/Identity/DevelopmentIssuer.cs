using System.Buffers;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace TicketGate.Proxy.Identity;

/// <summary>
/// The demo's stand-in for Okta: mints RS256 access tokens for <see cref="DemoDirectory"/> members and publishes
/// discovery and keys (see <see cref="DevelopmentIssuerEndpoints"/>) so <see cref="TokenValidator"/> treats it like any issuer.
/// Its key lives in <c>&lt;dataDir&gt;/oidc/signing-key.json</c>, so tokens survive restarts. Never for production.
/// </summary>
public sealed class DevelopmentIssuer : IDisposable
{
    /// <summary>Where the issuer lives under TicketGate's HTTP base URL.</summary>
    public const string DefaultPath = "/oidc";

    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };
    private readonly TimeProvider _time;
    private readonly Lock _rotation = new();
    private volatile KeySet _keys;

    /// <param name="dataDirectory">TicketGate's data directory; the key goes to <c>oidc/signing-key.json</c> under it.</param>
    /// <param name="issuerUrl">The issuer URL tokens carry as <c>iss</c>, e.g. http://127.0.0.1:15480/oidc.</param>
    /// <param name="time">The clock for token times; tests shift it to mint expired or future tokens.</param>
    public DevelopmentIssuer(string dataDirectory, string issuerUrl, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        ArgumentException.ThrowIfNullOrWhiteSpace(issuerUrl);
        if (!Uri.TryCreate(issuerUrl, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"issuer URL '{issuerUrl}' must be an absolute http(s) URL such as http://127.0.0.1:15480{DefaultPath}", nameof(issuerUrl));
        }

        _time = time ?? TimeProvider.System;
        Issuer = TokenValidator.NormaliseIssuer(issuerUrl);
        SigningKeyPath = Path.Combine(dataDirectory, "oidc", "signing-key.json");
        DiscoveryDocumentJson = BuildDiscoveryDocument();

        if (DevelopmentKeyFile.Load(SigningKeyPath) is { } stored)
        {
            _keys = new KeySet(stored.Current, stored.Previous);
        }
        else
        {
            var generated = DevelopmentSigningKey.Generate(_time.GetUtcNow());
            DevelopmentKeyFile.Save(SigningKeyPath, generated, null);
            _keys = new KeySet(generated, null);
        }
    }

    /// <summary>The issuer URL without a trailing slash: tokens' <c>iss</c> and discovery's <c>issuer</c>.</summary>
    public string Issuer { get; }

    /// <summary>The URL path the endpoints are served under (<c>/oidc</c> for http://host:port/oidc).</summary>
    public string BasePath => new Uri(Issuer).AbsolutePath.TrimEnd('/');

    public string DiscoveryUri => Issuer + "/.well-known/openid-configuration";

    public string JwksUri => Issuer + "/keys";

    public string SigningKeyPath { get; }

    /// <summary>The id of the key new tokens are signed with.</summary>
    public string KeyId => _keys.Current.KeyId;

    /// <summary>The OpenID discovery document: only what this issuer really has, plus the fields the specification requires.</summary>
    public string DiscoveryDocumentJson { get; }

    /// <summary>The published keys (public parts only): the current key and the one it replaced, if any.</summary>
    public string JwksJson => _keys.Jwks;

    /// <summary>The issuer URL for TicketGate's HTTP base URL (http://127.0.0.1:15480 → http://127.0.0.1:15480/oidc).</summary>
    public static string IssuerUrlFor(string httpBaseUrl) => httpBaseUrl.TrimEnd('/') + DefaultPath;

    /// <summary>An RS256 access token shaped like Okta's: sub, groups, aud, iss, iat, nbf, exp, jti and ver.</summary>
    public string Mint(string subject, IReadOnlyList<string> groups, TimeSpan ttl, string audience)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(subject);
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentException.ThrowIfNullOrWhiteSpace(audience);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ttl, TimeSpan.Zero);

        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("ver", 1);
            json.WriteString("jti", Guid.NewGuid().ToString("N"));
            json.WriteString("iss", Issuer);
            json.WriteString("aud", audience);
            json.WriteString("sub", subject);
            json.WriteNumber("iat", now);
            json.WriteNumber("nbf", now);
            json.WriteNumber("exp", now + (long)Math.Ceiling(ttl.TotalSeconds));
            json.WriteStartArray("groups");
            foreach (var group in groups) json.WriteStringValue(group);
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return SignPayload(Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    /// <summary>Signs an arbitrary claims object with the current key, for tests that need tokens <see cref="Mint"/> would never make.</summary>
    internal string SignPayload(string payloadJson) => _handler.CreateToken(payloadJson, _keys.Current.Credentials);

    /// <summary>
    /// Starts signing with a new key. The replaced key stays published until the next rotation, so tokens it signed
    /// keep validating until they expire (as with Okta's rollover); the key before it is dropped.
    /// </summary>
    public void RotateKey()
    {
        lock (_rotation)
        {
            var old = _keys;
            var fresh = DevelopmentSigningKey.Generate(_time.GetUtcNow());
            DevelopmentKeyFile.Save(SigningKeyPath, fresh, old.Current);
            _keys = new KeySet(fresh, old.Current);
            // Only the dropped key goes: Mint uses the current key of whichever set it read, and that one lives on.
            old.Previous?.Dispose();
        }
    }

    private string BuildDiscoveryDocument()
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("issuer", Issuer);
            json.WriteString("jwks_uri", JwksUri);
            // Browser sign-in (the Studio) is an authorization-code flow with PKCE; the CLI mints tokens directly.
            json.WriteString("authorization_endpoint", Issuer + "/authorize");
            json.WriteString("token_endpoint", Issuer + "/token");
            json.WriteStartArray("response_types_supported");
            json.WriteStringValue("code");
            json.WriteEndArray();
            json.WriteStartArray("grant_types_supported");
            json.WriteStringValue("authorization_code");
            json.WriteEndArray();
            json.WriteStartArray("code_challenge_methods_supported");
            json.WriteStringValue("S256");
            json.WriteEndArray();
            json.WriteStartArray("subject_types_supported");
            json.WriteStringValue("public");
            json.WriteEndArray();
            json.WriteStartArray("id_token_signing_alg_values_supported");
            json.WriteStringValue(SecurityAlgorithms.RsaSha256);
            json.WriteEndArray();
            json.WriteStartArray("claims_supported");
            foreach (var claim in (ReadOnlySpan<string>)["sub", "groups", "aud", "iss", "iat", "nbf", "exp", "jti", "ver"]) json.WriteStringValue(claim);
            json.WriteEndArray();
            json.WriteString("ticketgate_note", "development issuer for demos: tokens are minted by TicketGate itself; the sign-in page lists the demo directory's people");
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public void Dispose()
    {
        lock (_rotation)
        {
            _keys.Current.Dispose();
            _keys.Previous?.Dispose();
        }
    }

    /// <summary>The keys in use at one moment, with their JWKS rendered once.</summary>
    private sealed class KeySet
    {
        public KeySet(DevelopmentSigningKey current, DevelopmentSigningKey? previous)
        {
            Current = current;
            Previous = previous;
            Jwks = RenderJwks(current, previous);
        }

        public DevelopmentSigningKey Current { get; }
        public DevelopmentSigningKey? Previous { get; }
        public string Jwks { get; }

        private static string RenderJwks(DevelopmentSigningKey current, DevelopmentSigningKey? previous)
        {
            var buffer = new ArrayBufferWriter<byte>(1024);
            using (var json = new Utf8JsonWriter(buffer))
            {
                json.WriteStartObject();
                json.WriteStartArray("keys");
                WriteKey(json, current);
                if (previous is not null) WriteKey(json, previous);
                json.WriteEndArray();
                json.WriteEndObject();
            }
            return Encoding.UTF8.GetString(buffer.WrittenSpan);
        }

        private static void WriteKey(Utf8JsonWriter json, DevelopmentSigningKey key)
        {
            json.WriteStartObject();
            json.WriteString("kty", "RSA");
            json.WriteString("use", "sig");
            json.WriteString("alg", SecurityAlgorithms.RsaSha256);
            json.WriteString("kid", key.KeyId);
            json.WriteString("n", key.Modulus);
            json.WriteString("e", key.Exponent);
            json.WriteEndObject();
        }
    }
}
