namespace TicketGate.Proxy.Identity;

/// <summary>Why an agent's token was refused. Listeners map these to their protocol's error (SQLSTATE 28000, HTTP 401, ...).</summary>
public enum TokenFailure
{
    /// <summary>Not a signed JWT in compact form, or a required claim (exp) is absent or unreadable.</summary>
    Malformed,
    Expired,
    NotYetValid,
    WrongAudience,
    WrongIssuer,
    /// <summary>The token names a key id the issuer does not publish, even after refreshing its keys.</summary>
    UnknownSigningKey,
    /// <summary>The signature does not verify, or the token is unsigned or HMAC-signed.</summary>
    BadSignature,
    TooLarge,
    IssuerUnreachable,
    MissingSubject,
}
