using System.Diagnostics.CodeAnalysis;

namespace TicketGate.Proxy.Identity;

/// <summary>Either the identity a valid token proves, or why the token was refused with a message written for the agent.</summary>
public sealed class TokenValidationOutcome
{
    private TokenValidationOutcome(AgentIdentity? identity, TokenFailure? failure, string? message)
    {
        Identity = identity;
        Failure = failure;
        Message = message;
    }

    public AgentIdentity? Identity { get; }

    public TokenFailure? Failure { get; }

    /// <summary>What was wrong and, where it helps, what to do. Never contains the token.</summary>
    public string? Message { get; }

    [MemberNotNullWhen(true, nameof(Identity))]
    [MemberNotNullWhen(false, nameof(Failure), nameof(Message))]
    public bool IsValid => Identity is not null;

    public static TokenValidationOutcome Accepted(AgentIdentity identity)
    {
        ArgumentNullException.ThrowIfNull(identity);
        return new TokenValidationOutcome(identity, null, null);
    }

    public static TokenValidationOutcome Rejected(TokenFailure failure, string message)
    {
        ArgumentException.ThrowIfNullOrEmpty(message);
        return new TokenValidationOutcome(null, failure, message);
    }

    public override string ToString() => IsValid ? $"accepted {Identity.Subject}" : $"{Failure}: {Message}";
}
