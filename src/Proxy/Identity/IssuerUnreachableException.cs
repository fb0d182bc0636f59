namespace TicketGate.Proxy.Identity;

/// <summary>The issuer's discovery document or keys could not be fetched; <see cref="Reason"/> is safe to show to agents.</summary>
internal sealed class IssuerUnreachableException(string reason, Exception? inner)
    : Exception($"could not reach the OIDC issuer: {reason}", inner)
{
    public string Reason { get; } = reason;
}
