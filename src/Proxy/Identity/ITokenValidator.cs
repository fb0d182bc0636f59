namespace TicketGate.Proxy.Identity;

/// <summary>Turns the bearer token an agent presents into an <see cref="AgentIdentity"/>, or says why not.</summary>
public interface ITokenValidator
{
    ValueTask<TokenValidationOutcome> ValidateAsync(string token, CancellationToken ct);
}
