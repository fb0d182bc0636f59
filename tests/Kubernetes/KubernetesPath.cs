using TicketGate.Proxy.Configuration;
using TicketGate.Proxy.Hosting.LocalPostgres;
using TicketGate.Proxy.Kubernetes.Credentials;
using TicketGate.Tests.Fakes.Kubernetes;
using TicketGate.Tests.Fixtures;

namespace TicketGate.Tests.Kubernetes;

/// <summary>
/// The whole Kubernetes path for a test: the fake API server, a real gateway with one cluster "prod" (tags env: prod, approvers dba)
/// in front of it, and a kubeconfig whose user runs the real `ticketgate kube-token` plugin; kubectl is the machine's own binary.
/// </summary>
internal sealed class KubernetesPath : IAsyncDisposable
{
    public const string Kubectl = "/usr/bin/kubectl";
    public const string Cluster = "prod";

    private readonly string _folder;
    private bool _gatewayStopped;

    private KubernetesPath(GatewayFixture gateway, FakeApiServer apiServer, string folder)
    {
        Gateway = gateway;
        ApiServer = apiServer;
        _folder = folder;
    }

    public GatewayFixture Gateway { get; }
    public FakeApiServer ApiServer { get; }
    public KubernetesClusterDefinition ClusterDefinition => Gateway.Options.Kubernetes.Clusters[Cluster];

    public static async Task<KubernetesPath> StartAsync(PostgresClusterFixture postgres, Func<PolicyDefinition, PolicyDefinition>? policy = null,
        TimeSpan? execSessionLimit = null, Microsoft.Extensions.Logging.ILoggerProvider? logs = null)
    {
        var apiServer = await FakeApiServer.StartAsync();
        var folder = Directory.CreateTempSubdirectory("ticketgate-kube-").FullName;
        var tokenFile = Path.Combine(folder, "sa.token");
        await File.WriteAllTextAsync(tokenFile, apiServer.ServiceAccountToken + "\n");
        var gateway = await GatewayFixture.StartAsync(postgres, options => options with
        {
            Policy = policy is null ? options.Policy : policy(options.Policy),
            Kubernetes = new KubernetesOptions
            {
                Clusters = new Dictionary<string, KubernetesClusterDefinition>
                {
                    [Cluster] = new()
                    {
                        Name = Cluster,
                        Address = "127.0.0.1",
                        Port = GatewayFixture.FreePort(),
                        // The gateway's demo certificate (127.0.0.1, localhost) and its CA, as for the PostgreSQL listener.
                        CertificateFile = options.Postgres.CertificateFile!,
                        KeyFile = options.Postgres.KeyFile!,
                        CertificateAuthorityFile = Path.Combine(Path.GetDirectoryName(options.Postgres.CertificateFile!)!, "ca.crt"),
                        Server = apiServer.Url,
                        ServerCertificateAuthorityFile = apiServer.CaFile,
                        Token = SecretReference.FromFile(tokenFile),
                        Tags = new Dictionary<string, string> { ["env"] = "prod" },
                        ApproverGroups = ["dba"],
                        ExecSessionLimit = execSessionLimit ?? TimeSpan.FromHours(1),
                    },
                },
            },
        }, logs);
        var path = new KubernetesPath(gateway, apiServer, folder);
        await path.WriteKubeconfigAsync("agent", ["--sub=agent-7", "--groups=agents"]);
        return path;
    }

    /// <summary>Writes a kubeconfig named <paramref name="name"/> whose plugin runs `ticketgate kube-token` with these token options.</summary>
    public async Task<string> WriteKubeconfigAsync(string name, IReadOnlyList<string> tokenArguments)
    {
        string[] issuer = [$"--data-dir={Gateway.Folder}", $"--issuer={Gateway.Issuer.Issuer}", $"--audience={GatewayFixture.Audience}"];
        var arguments = tokenArguments.Any(a => a.StartsWith("--token-", StringComparison.Ordinal)) ? tokenArguments : [.. tokenArguments, .. issuer];
        var file = Path.Combine(_folder, name + ".kubeconfig");
        await File.WriteAllTextAsync(file, KubeconfigDocument.Create(ClusterDefinition, Path.Combine(AppContext.BaseDirectory, "ticketgate"), arguments, "default"));
        return file;
    }

    public string[] KubectlArguments(string kubeconfig, IEnumerable<string> arguments) =>
        ["--kubeconfig", kubeconfig, "--cache-dir", Path.Combine(_folder, "cache"), .. arguments];

    /// <summary>Runs kubectl to completion as the agent (or with another kubeconfig).</summary>
    public async Task<ChildProcessResult> KubectlAsync(IEnumerable<string> arguments, string? kubeconfig = null,
        IReadOnlyDictionary<string, string?>? environment = null, TimeSpan? timeout = null) =>
        await ChildProcess.RunAsync(Kubectl, KubectlArguments(kubeconfig ?? AgentKubeconfig, arguments), timeout ?? TimeSpan.FromSeconds(60),
            new Dictionary<string, string?>(environment ?? new Dictionary<string, string?>()) { ["HOME"] = _folder });

    /// <summary>Starts kubectl and returns at once (for holds, watches and follows).</summary>
    public KubectlProcess StartKubectl(IEnumerable<string> arguments, string? kubeconfig = null, bool keepInputOpen = false) =>
        new(Kubectl, KubectlArguments(kubeconfig ?? AgentKubeconfig, arguments), new Dictionary<string, string> { ["HOME"] = _folder }, keepInputOpen);

    public string AgentKubeconfig => Path.Combine(_folder, "agent.kubeconfig");

    /// <summary>Stops the gateway now (as an operator would), leaving the fake API server up.</summary>
    public async Task StopGatewayAsync()
    {
        _gatewayStopped = true;
        await Gateway.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_gatewayStopped) await Gateway.DisposeAsync();
        await ApiServer.DisposeAsync();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // Cleaned with /tmp eventually.
        }
    }
}
