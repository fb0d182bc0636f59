namespace TicketGate.Integrations.Transport;

/// <summary>Supplies the Authorization header for a ticket system. Implementations never log or expose the value.</summary>
public interface IAuthorization
{
    ValueTask<string> HeaderAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Called after a 401 to <paramref name="rejectedHeader"/>. Returns true when a different credential is now available and the
    /// call is worth one more try (an OAuth token refreshed), false when the credential is simply wrong.
    /// </summary>
    ValueTask<bool> RenewAsync(string rejectedHeader, CancellationToken cancellationToken);
}

/// <summary>Basic auth: Jira Cloud email and API token, or a ServiceNow user and password. The secret is read on every call.</summary>
public sealed class BasicAuthorization(string user, Func<string> secret) : IAuthorization
{
    public ValueTask<string> HeaderAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult("Basic " + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(user + ":" + secret())));

    public ValueTask<bool> RenewAsync(string rejectedHeader, CancellationToken cancellationToken) => ValueTask.FromResult(false);

    public override string ToString() => $"basic auth as {user}";
}

/// <summary>A bearer token that does not change by itself: a Jira Data Center personal access token.</summary>
public sealed class BearerAuthorization(Func<string> token) : IAuthorization
{
    public ValueTask<string> HeaderAsync(CancellationToken cancellationToken) => ValueTask.FromResult("Bearer " + token());

    public ValueTask<bool> RenewAsync(string rejectedHeader, CancellationToken cancellationToken) => ValueTask.FromResult(false);

    public override string ToString() => "personal access token";
}

/// <summary>For endpoints that authenticate in the body (the OAuth token endpoint); every call to them passes authorize: false.</summary>
public sealed class NoAuthorization : IAuthorization
{
    public static readonly NoAuthorization Instance = new();

    public ValueTask<string> HeaderAsync(CancellationToken cancellationToken) => ValueTask.FromResult("");

    public ValueTask<bool> RenewAsync(string rejectedHeader, CancellationToken cancellationToken) => ValueTask.FromResult(false);
}
