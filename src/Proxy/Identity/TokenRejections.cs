using System.Globalization;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace TicketGate.Proxy.Identity;

/// <summary>
/// The messages agents read when their token is refused: what was wrong and what to do.
/// Values taken from the token are the attacker's choice, so they are quoted, shortened and stripped of control characters.
/// </summary>
internal sealed class TokenRejections(string authority, string audience, TimeSpan clockSkew)
{
    private const int MaxQuotedLength = 64;

    public const string NoToken = "no token was presented; send the Okta access token";
    public const string NotAJwt = "token is not a JWT (expected three base64url parts: header.payload.signature); send the Okta access token, not an ID token, API key or password";
    public const string Encrypted = "token is encrypted (JWE); TicketGate accepts signed access tokens only";
    public const string MissingSubject = "token has no subject (sub claim), so TicketGate cannot tell who is connecting; use an access token issued to a user or service";

    public static string UnacceptedAlgorithm(string alg) => string.IsNullOrEmpty(alg) || string.Equals(alg, "none", StringComparison.OrdinalIgnoreCase)
        ? "token is not signed (alg 'none'); TicketGate accepts only tokens signed by the issuer"
        : $"token is signed with {Quote(alg)}, which TicketGate does not accept; the issuer must sign with an asymmetric key (RS256, ES256, PS256 or stronger)";

    public static string UnknownKey(string kid) =>
        $"token signed with key id {Quote(kid)}, which the issuer's JWKS does not list; it was not issued by this authority, or by a key it has withdrawn";

    public string IssuerUnreachable(string reason) =>
        $"could not reach the OIDC issuer {authority}: {reason}. Try again shortly; if it persists, tell the TicketGate operator";

    public string? DiscoveryIssuerMismatch(string? discoveredIssuer) =>
        discoveredIssuer is not null && string.Equals(TokenValidator.NormaliseIssuer(discoveredIssuer), authority, StringComparison.Ordinal)
            ? null
            : $"TicketGate is configured for issuer {authority}, but that issuer's discovery document names {Quote(discoveredIssuer ?? "")}; the operator must fix oidc.authority";

    public TokenValidationOutcome From(Exception? failure, JsonWebToken jwt) => failure switch
    {
        SecurityTokenExpiredException e => Reject(TokenFailure.Expired,
            $"token expired at {Timestamp(e.Expires)} (clock skew allowed {Seconds(clockSkew)}); get a fresh token and reconnect"),
        SecurityTokenNotYetValidException e => Reject(TokenFailure.NotYetValid,
            $"token is not valid before {Timestamp(e.NotBefore)} (clock skew allowed {Seconds(clockSkew)}); check the clocks of the issuer and of this machine"),
        SecurityTokenNoExpirationException => Reject(TokenFailure.Malformed,
            "token has no expiry (exp claim); TicketGate accepts only tokens with a lifetime"),
        SecurityTokenInvalidLifetimeException => Reject(TokenFailure.Malformed,
            "token's lifetime is inconsistent (not-before is after expiry)"),
        SecurityTokenInvalidAudienceException => Reject(TokenFailure.WrongAudience, WrongAudience(jwt)),
        SecurityTokenInvalidIssuerException => Reject(TokenFailure.WrongIssuer,
            $"token issuer {Quote(jwt.Issuer)} is not '{authority}'; get a token from the authorization server TicketGate trusts"),
        SecurityTokenSignatureKeyNotFoundException => Reject(TokenFailure.UnknownSigningKey, UnknownKey(jwt.Kid)),
        SecurityTokenInvalidAlgorithmException => Reject(TokenFailure.BadSignature, UnacceptedAlgorithm(jwt.Alg)),
        SecurityTokenInvalidSignatureException => Reject(TokenFailure.BadSignature,
            $"token signature does not verify with the issuer's key {Quote(jwt.Kid)}; the token was altered or not issued by {authority}"),
        _ => Reject(TokenFailure.Malformed,
            $"token could not be validated ({failure?.GetType().Name ?? "unknown error"}); send an unmodified access token from {authority}"),
    };

    private string WrongAudience(JsonWebToken jwt)
    {
        var audiences = new List<string>();
        foreach (var aud in jwt.Audiences) audiences.Add(Quote(aud));
        return audiences.Count == 0
            ? $"token has no audience; TicketGate expects '{audience}'"
            : $"token audience {string.Join(", ", audiences)} is not '{audience}'; request a token for the TicketGate audience";
    }

    private static TokenValidationOutcome Reject(TokenFailure failure, string message) => TokenValidationOutcome.Rejected(failure, message);

    private static string Timestamp(DateTime utc) =>
        DateTime.SpecifyKind(utc, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Seconds(TimeSpan span) => ((int)span.TotalSeconds).ToString(CultureInfo.InvariantCulture) + "s";

    public static string Quote(string value)
    {
        var shortened = value.Length > MaxQuotedLength ? value[..MaxQuotedLength] + "…" : value;
        Span<char> buffer = stackalloc char[shortened.Length];
        for (var i = 0; i < shortened.Length; i++) buffer[i] = char.IsControl(shortened[i]) ? '?' : shortened[i];
        return "'" + new string(buffer) + "'";
    }
}
