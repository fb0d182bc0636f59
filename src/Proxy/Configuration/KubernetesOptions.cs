namespace TicketGate.Proxy.Configuration;

/// <summary>The Kubernetes clusters TicketGate presents itself as (<c>kubernetes:</c> in the config): one HTTPS listener each.</summary>
public sealed class KubernetesOptions
{
    public IReadOnlyDictionary<string, KubernetesClusterDefinition> Clusters { get; init; } = new Dictionary<string, KubernetesClusterDefinition>();
}

/// <summary>
/// One real API server agents reach through TicketGate. Agents see TicketGate's listener and certificate; TicketGate calls the
/// API server with its own service-account token and impersonates the agent. The token never leaves TicketGate.
/// </summary>
public sealed class KubernetesClusterDefinition
{
    public required string Name { get; init; }
    public string Address { get; init; } = "127.0.0.1";
    public required int Port { get; init; }
    /// <summary>PEM certificate and key of the listener; agents trust its CA through the kubeconfig TicketGate prints.</summary>
    public required string CertificateFile { get; init; }
    public required string KeyFile { get; init; }
    /// <summary>The CA file agents' kubeconfigs embed (certificate-authority-data); the certificate itself when absent.</summary>
    public string? CertificateAuthorityFile { get; init; }
    /// <summary>The URL agents use for this listener (kubeconfig server:); https://Address:Port when absent.</summary>
    public string? PublicUrl { get; init; }
    /// <summary>The real API server, e.g. https://10.0.0.1:6443.</summary>
    public required Uri Server { get; init; }
    /// <summary>PEM CA bundle that signed the API server's certificate; the system trust store when absent.</summary>
    public string? ServerCertificateAuthorityFile { get; init; }
    /// <summary>TicketGate's own service-account token (a file such as a projected token, or an environment variable).</summary>
    public required SecretReference Token { get; init; }
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();
    public IReadOnlyList<string> ApproverGroups { get; init; } = [];
    /// <summary>How long an approved interactive exec or attach session may run before TicketGate closes it.</summary>
    public TimeSpan ExecSessionLimit { get; init; } = TimeSpan.FromHours(1);
    /// <summary>Largest request body TicketGate reads to hash and hold (the API server's own limit is 3 MiB).</summary>
    public int MaxBodyBytes { get; init; } = 3 * 1024 * 1024;

    public string AgentUrl => (PublicUrl ?? $"https://{(Address is "0.0.0.0" or "*" or "::" ? "127.0.0.1" : Address)}:{Port}").TrimEnd('/');
}
