using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using TicketGate.Proxy.Configuration;

namespace TicketGate.Proxy.Identity;

/// <summary>
/// Validates agents' OIDC access tokens against the configured issuer (Okta, or the demo's <see cref="DevelopmentIssuer"/>).
/// Runs once per connection, so the handler, validation parameters and successful results are reused.
/// </summary>
public sealed partial class TokenValidator : ITokenValidator, IDisposable
{
    /// <summary>Longer tokens are refused before parsing; real access tokens are a few KiB even with many groups.</summary>
    public const int MaxTokenLength = 16 * 1024;

    /// <summary>The most clock skew allowed, whatever the configuration says: a token's lifetime should mean something.</summary>
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromSeconds(30);

    // Asymmetric only: with HMAC anyone holding the (public) key could mint tokens, and "none" is no signature at all.
    private static readonly string[] AcceptedAlgorithms =
    [
        SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha512,
        SecurityAlgorithms.RsaSsaPssSha256, SecurityAlgorithms.RsaSsaPssSha384, SecurityAlgorithms.RsaSsaPssSha512,
        SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.EcdsaSha384, SecurityAlgorithms.EcdsaSha512,
    ];

    private readonly JsonWebTokenHandler _handler = new();
    private readonly IssuerMetadata _issuer;
    private readonly ValidatedTokenCache? _cache;
    private readonly TokenRejections _rejections;
    private readonly string _authority;
    private readonly string _audience;
    private readonly string _groupsClaim;
    private readonly TimeSpan _clockSkew;
    private readonly ILogger _logger;
    private ValidationSnapshot? _snapshot;

    public TokenValidator(OidcOptions oidc, TokenValidatorOptions? options = null, ILogger<TokenValidator>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(oidc);
        ArgumentException.ThrowIfNullOrWhiteSpace(oidc.Authority);
        ArgumentException.ThrowIfNullOrWhiteSpace(oidc.Audience);
        options ??= new TokenValidatorOptions();

        _authority = NormaliseIssuer(oidc.Authority);
        if (!Uri.TryCreate(_authority, UriKind.Absolute, out var authorityUri) || (authorityUri.Scheme != Uri.UriSchemeHttps && authorityUri.Scheme != Uri.UriSchemeHttp))
        {
            throw new ArgumentException($"oidc.authority '{oidc.Authority}' is not an absolute https URL such as https://example.okta.com/oauth2/default", nameof(oidc));
        }
        if (oidc.RequireHttpsMetadata && authorityUri.Scheme != Uri.UriSchemeHttps)
        {
            throw new ArgumentException($"oidc.authority '{oidc.Authority}' is not https; use the issuer's https URL, or set oidc.requireHttpsMetadata to false for the loopback demo issuer only", nameof(oidc));
        }
        _audience = oidc.Audience;
        _groupsClaim = string.IsNullOrWhiteSpace(oidc.GroupsClaim) ? "groups" : oidc.GroupsClaim;
        _clockSkew = oidc.ClockSkew < TimeSpan.Zero ? TimeSpan.Zero : oidc.ClockSkew > MaxClockSkew ? MaxClockSkew : oidc.ClockSkew;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _issuer = new IssuerMetadata(_authority, oidc.RequireHttpsMetadata, options, TimeProvider.System);
        _cache = options.ValidatedTokenCacheCapacity > 0 ? new ValidatedTokenCache(options.ValidatedTokenCacheCapacity, TimeProvider.System) : null;
        _rejections = new TokenRejections(_authority, _audience, _clockSkew);
    }

    /// <summary>The configured authority without a trailing slash; tokens' <c>iss</c> must equal it.</summary>
    public string Authority => _authority;

    /// <summary>The skew actually applied (the configured one, at most <see cref="MaxClockSkew"/>).</summary>
    public TimeSpan ClockSkew => _clockSkew;

    public ValueTask<TokenValidationOutcome> ValidateAsync(string token, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(token)) return new(TokenValidationOutcome.Rejected(TokenFailure.Malformed, TokenRejections.NoToken));
        if (token.Length > MaxTokenLength)
        {
            return new(TokenValidationOutcome.Rejected(TokenFailure.TooLarge,
                $"token is {token.Length} characters; TicketGate accepts at most {MaxTokenLength}. Present the access token alone, not a bundle of tokens"));
        }
        if (_cache is not null && _cache.TryGet(token, out var remembered)) return new(remembered);
        return ValidateUncachedAsync(token, ct);
    }

    private async ValueTask<TokenValidationOutcome> ValidateUncachedAsync(string token, CancellationToken ct)
    {
        JsonWebToken jwt;
        try
        {
            jwt = new JsonWebToken(token);
        }
        catch (Exception)
        {
            // Whatever the parser objects to in untrusted input, the answer is the same and must not end the connection.
            return TokenValidationOutcome.Rejected(TokenFailure.Malformed, TokenRejections.NotAJwt);
        }

        if (jwt.IsEncrypted) return TokenValidationOutcome.Rejected(TokenFailure.Malformed, TokenRejections.Encrypted);
        if (Array.IndexOf(AcceptedAlgorithms, jwt.Alg) < 0)
        {
            return TokenValidationOutcome.Rejected(TokenFailure.BadSignature, TokenRejections.UnacceptedAlgorithm(jwt.Alg));
        }

        ValidationSnapshot snapshot;
        try
        {
            snapshot = SnapshotFor(await _issuer.GetAsync(ct).ConfigureAwait(false));
        }
        catch (IssuerUnreachableException ex)
        {
            Log.IssuerUnreachable(_logger, _issuer.MetadataAddress, ex.Reason);
            return TokenValidationOutcome.Rejected(TokenFailure.IssuerUnreachable, _rejections.IssuerUnreachable(ex.Reason));
        }

        if (snapshot.IssuerMismatch is { } mismatch) return TokenValidationOutcome.Rejected(TokenFailure.WrongIssuer, mismatch);

        var kid = jwt.Kid;
        if (kid.Length > 0 && !snapshot.Publishes(kid))
        {
            var (configuration, refreshed) = await _issuer.RefreshForUnknownKeyAsync(snapshot.Configuration, ct).ConfigureAwait(false);
            snapshot = SnapshotFor(configuration);
            if (refreshed) Log.SigningKeysRefreshed(_logger, TokenRejections.Quote(kid), snapshot.Publishes(kid));
            else Log.KeyRefreshThrottled(_logger, TokenRejections.Quote(kid));
            if (!snapshot.Publishes(kid))
            {
                return TokenValidationOutcome.Rejected(TokenFailure.UnknownSigningKey, TokenRejections.UnknownKey(kid));
            }
        }

        var result = await _handler.ValidateTokenAsync(jwt, snapshot.Parameters).ConfigureAwait(false);
        if (!result.IsValid) return _rejections.From(result.Exception, jwt);

        var subject = jwt.Subject;
        if (string.IsNullOrWhiteSpace(subject))
        {
            return TokenValidationOutcome.Rejected(TokenFailure.MissingSubject, TokenRejections.MissingSubject);
        }

        var expiresAt = new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero);
        var outcome = TokenValidationOutcome.Accepted(new AgentIdentity(subject, ReadGroups(jwt), expiresAt, jwt.Issuer));
        _cache?.Remember(token, outcome, expiresAt);
        return outcome;
    }

    /// <summary>Okta sends groups as an array; some issuers send one group as a plain string. Absent means no groups.</summary>
    private IReadOnlyList<string> ReadGroups(JsonWebToken jwt)
    {
        if (!jwt.TryGetPayloadValue<List<string>>(_groupsClaim, out var values) || values is null || values.Count == 0) return [];
        var groups = new List<string>(values.Count);
        foreach (var value in values)
        {
            if (!string.IsNullOrEmpty(value)) groups.Add(value);
        }
        return groups.ToArray();
    }

    private ValidationSnapshot SnapshotFor(OpenIdConnectConfiguration configuration)
    {
        var current = _snapshot;
        if (current is not null && ReferenceEquals(current.Configuration, configuration)) return current;
        var fresh = new ValidationSnapshot(configuration, BuildParameters(configuration), _rejections.DiscoveryIssuerMismatch(configuration.Issuer));
        _snapshot = fresh;
        return fresh;
    }

    private TokenValidationParameters BuildParameters(OpenIdConnectConfiguration configuration) => new()
    {
        ValidIssuers = [_authority, _authority + "/"],
        ValidAudience = _audience,
        IssuerSigningKeys = configuration.SigningKeys,
        ValidAlgorithms = AcceptedAlgorithms,
        ClockSkew = _clockSkew,
        RequireSignedTokens = true,
        RequireExpirationTime = true,
        ValidateIssuer = true,
        ValidateAudience = true,
        ValidateLifetime = true,
        TryAllIssuerSigningKeys = true,
    };

    internal static string NormaliseIssuer(string issuer) => issuer.Trim().TrimEnd('/');

    public void Dispose() => _issuer.Dispose();

    /// <summary>Everything derived from one version of the issuer's document, rebuilt only when the document changes.</summary>
    private sealed class ValidationSnapshot
    {
        private readonly HashSet<string> _keyIds = new(StringComparer.Ordinal);
        private readonly bool _hasKeyWithoutId;

        public ValidationSnapshot(OpenIdConnectConfiguration configuration, TokenValidationParameters parameters, string? issuerMismatch)
        {
            Configuration = configuration;
            Parameters = parameters;
            IssuerMismatch = issuerMismatch;
            foreach (var key in configuration.SigningKeys)
            {
                if (string.IsNullOrEmpty(key.KeyId)) _hasKeyWithoutId = true;
                else _keyIds.Add(key.KeyId);
            }
        }

        public OpenIdConnectConfiguration Configuration { get; }
        public TokenValidationParameters Parameters { get; }
        public string? IssuerMismatch { get; }

        // A key published without an id may be the one; the handler then tries every key.
        public bool Publishes(string keyId) => _hasKeyWithoutId || _keyIds.Contains(keyId);
    }
}
