using TicketGate.Proxy.Configuration;
using TicketGate.Proxy.Identity;
using TicketGate.Proxy.Kubernetes.Credentials;

namespace TicketGate.Proxy.Demo;

/// <summary>
/// The demo's optional Kubernetes cluster: TicketGate has no API server of its own to offer, so the demo adds a cluster only when
/// given a real one (--kube-server, --kube-ca, --kube-token-file), listens for it on 127.0.0.1:16443 with the demo certificate, and
/// writes a kubeconfig for agent-7 into its data folder.
/// </summary>
internal sealed record DemoKubernetes(Uri Server, string? CaFile, string TokenFile)
{
    public const string ClusterName = "demo-k8s";
    public const int Port = 16443;

    /// <summary>The flags, checked; null when none is given; a message when they don't fit together.</summary>
    public static (DemoKubernetes? Cluster, string? Problem) From(string? server, string? ca, string? tokenFile)
    {
        if (server is null && ca is null && tokenFile is null) return (null, null);
        if (server is null || tokenFile is null) return (null, "--kube-server and --kube-token-file go together (--kube-ca when its CA is not trusted system-wide)");
        if (!Uri.TryCreate(server, UriKind.Absolute, out var url) || url.Scheme != Uri.UriSchemeHttps) return (null, $"--kube-server \"{server}\" is not an https:// URL");
        if (!File.Exists(tokenFile)) return (null, $"--kube-token-file {tokenFile} does not exist");
        if (ca is not null && !File.Exists(ca)) return (null, $"--kube-ca {ca} does not exist");
        return (new DemoKubernetes(url, ca is null ? null : Path.GetFullPath(ca), Path.GetFullPath(tokenFile)), null);
    }

    public TicketGateOptions AddTo(TicketGateOptions options, string caCertificate) => options with
    {
        Kubernetes = new KubernetesOptions
        {
            Clusters = new Dictionary<string, KubernetesClusterDefinition>
            {
                [ClusterName] = new()
                {
                    Name = ClusterName,
                    Address = "127.0.0.1",
                    Port = Port,
                    CertificateFile = options.Postgres.CertificateFile!,
                    KeyFile = options.Postgres.KeyFile!,
                    CertificateAuthorityFile = caCertificate,
                    Server = Server,
                    ServerCertificateAuthorityFile = CaFile,
                    Token = SecretReference.FromFile(TokenFile),
                    Tags = new Dictionary<string, string> { ["env"] = "demo" },
                    ApproverGroups = [DemoDirectory.DbaGroup],
                },
            },
        },
    };

    /// <summary>Writes the agent's kubeconfig (user agent-7 in agents, tokens from the demo's issuer) and returns its path.</summary>
    public static string WriteKubeconfig(TicketGateOptions options, DemoFolder folder, string self, string issuer)
    {
        var path = Path.Combine(folder.Path, "agent-7.kubeconfig");
        string[] token = ["--sub=agent-7", "--groups=agents", $"--data-dir={folder.Path}", $"--issuer={issuer}"];
        File.WriteAllText(path, KubeconfigDocument.Create(options.Kubernetes.Clusters[ClusterName], self, token, "default"));
        return path;
    }
}
