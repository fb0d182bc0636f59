using TicketGate.Proxy.Configuration;
using TicketGate.Proxy.Demo;
using TicketGate.Proxy.Hosting.LocalPostgres;
using TicketGate.Proxy.Policy;

namespace TicketGate.Tests.Kubernetes;

/// <summary>The demo's optional cluster: its flags are checked, and the kubeconfig it writes is one kubectl reads.</summary>
public sealed class DemoKubernetesTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("ticketgate-demo-kube-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Theory]
    [InlineData("https://127.0.0.1:6443", null, "--kube-server and --kube-token-file go together")]
    [InlineData("http://127.0.0.1:6443", "token", "is not an https:// URL")]
    [InlineData("https://127.0.0.1:6443", "missing", "does not exist")]
    public void Flags_that_do_not_fit_together_are_refused(string server, string? token, string expected)
    {
        if (token == "token") File.WriteAllText(Path.Combine(_folder, "token"), "sa");
        var (cluster, problem) = DemoKubernetes.From(server, null, token is null ? null : Path.Combine(_folder, token));

        Assert.Null(cluster);
        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_cluster_listens_with_the_demo_certificate_and_its_kubeconfig_runs_kube_token_for_agent_7()
    {
        var token = Path.Combine(_folder, "sa.token");
        await File.WriteAllTextAsync(token, "sa");
        var tls = Proxy.Postgres.Tls.ListenerCertificate.EnsureDemoCertificate(Path.Combine(_folder, "tls"));
        var (cluster, problem) = DemoKubernetes.From("https://127.0.0.1:6443", null, token);
        Assert.Null(problem);
        var options = cluster!.AddTo(new TicketGateOptions
        {
            Oidc = new OidcOptions { Authority = "http://127.0.0.1:15480/oidc", Audience = DemoFolder.Audience },
            Postgres = new PostgresListenerOptions { CertificateFile = tls.CertificateFile, KeyFile = tls.KeyFile },
            Http = new HttpListenerOptions(),
            StateDatabase = new StateDatabaseOptions { ConnectionString = "Host=x" },
            Connections = new Dictionary<string, ConnectionDefinition>(),
            Policy = DefaultPolicy.Definition,
        }, tls.CaFile);

        var kubeconfig = DemoKubernetes.WriteKubeconfig(options, new DemoFolder(_folder), "/opt/ticketgate", "http://127.0.0.1:15480/oidc");
        var view = await ChildProcess.RunAsync(KubernetesPath.Kubectl, ["config", "view", "--kubeconfig", kubeconfig, "-o",
            "jsonpath={.clusters[0].cluster.server} {.users[0].user.exec.command} {.users[0].user.exec.args}"], TimeSpan.FromSeconds(30));

        var demo = options.Kubernetes.Clusters[DemoKubernetes.ClusterName];
        Assert.Equal((DemoKubernetes.Port, token, "demo"), (demo.Port, demo.Token.File, demo.Tags["env"]));
        Assert.True(view.ExitCode == 0, view.CombinedOutput);
        Assert.Equal($"https://127.0.0.1:16443 /opt/ticketgate [\"kube-token\",\"--sub=agent-7\",\"--groups=agents\",\"--data-dir={_folder}\",\"--issuer=http://127.0.0.1:15480/oidc\"]",
            view.StandardOutput);
    }
}
