using System.Text.Json;

namespace TicketGate.Proxy.Kubernetes.Credentials;

/// <summary>
/// What a client-go exec credential plugin prints (client.authentication.k8s.io/v1): kubectl sends <c>status.token</c> as the
/// bearer token and runs the plugin again after <c>status.expirationTimestamp</c> or on a 401.
/// </summary>
internal sealed record ExecCredential(ExecCredentialStatus Status)
{
    public string ApiVersion => "client.authentication.k8s.io/v1";
    public string Kind => "ExecCredential";

    /// <param name="expires">When the token expires; null when it can't be read from the token (kubectl then keeps it until a 401).</param>
    public static string Json(string token, DateTimeOffset? expires) =>
        JsonSerializer.Serialize(new ExecCredential(new ExecCredentialStatus(token, expires?.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'",
            System.Globalization.CultureInfo.InvariantCulture))), KubernetesJson.Default.ExecCredential);
}

internal sealed record ExecCredentialStatus(string Token, string? ExpirationTimestamp);
