namespace TicketGate.Proxy.Identity;

/// <summary>How <see cref="TokenValidator"/> talks to the issuer and caches; the defaults suit production.</summary>
public sealed class TokenValidatorOptions
{
    /// <summary>Sends discovery and JWKS requests; tests and proxies inject their own. Not disposed by the validator.</summary>
    public HttpMessageHandler? MetadataHandler { get; init; }

    /// <summary>How long one discovery or JWKS request may take before the issuer counts as unreachable.</summary>
    public TimeSpan MetadataRequestTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// At most one forced key refresh per interval, so tokens with invented key ids cannot make us hammer the issuer.
    /// The identity library refuses anything below one second, so smaller values are raised to that.
    /// </summary>
    public TimeSpan MinimumKeyRefreshInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>After a failed first fetch, how long callers get the remembered failure before the issuer is asked again.</summary>
    public TimeSpan UnreachableRetryInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Successful validations remembered by token digest until the token expires; 0 turns the cache off.</summary>
    public int ValidatedTokenCacheCapacity { get; init; } = 10_000;
}
