using TicketGate.Proxy.Configuration;
using TicketGate.Proxy.Hosting.LocalPostgres;
using TicketGate.Tests.Configuration;

namespace TicketGate.Tests.Kubernetes;

/// <summary>The kubernetes section of the config file, and the kubeconfig `ticketgate kubeconfig` prints from it.</summary>
public sealed class KubernetesConfigurationTests : IDisposable
{
    private readonly ConfigFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string WithCluster(string tokenLine) => _folder.ValidYaml() + $$"""

        kubernetes:
          clusters:
            prod-eu:
              listen: 127.0.0.1:16443
              tls: { certificate: tls.crt, key: tls.key, ca: ca.crt }
              server: https://10.0.0.1:6443
              server_ca: server-ca.crt
              {{tokenLine}}
              tags: { env: prod }
              approver_groups: [sre]
              exec_session_limit: 15m
        """;

    [Fact]
    public void Cluster_is_read_with_its_listener_upstream_token_reference_and_tags()
    {
        _folder.WriteFile("ca.crt", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
        _folder.WriteFile("server-ca.crt", "x");
        var token = _folder.WriteFile("sa.token", "the-service-account-token\n");

        var options = ConfigurationLoader.LoadFromYaml(WithCluster($"token: {{ file: {token} }}"), "ticketgate.yaml", _folder.Path);

        var cluster = options.Kubernetes.Clusters["prod-eu"];
        Assert.Equal(("127.0.0.1", 16443), (cluster.Address, cluster.Port));
        Assert.Equal(new Uri("https://10.0.0.1:6443"), cluster.Server);
        Assert.Equal(Path.Combine(_folder.Path, "server-ca.crt"), cluster.ServerCertificateAuthorityFile);
        Assert.Equal(token, cluster.Token.File);
        Assert.Equal("prod", cluster.Tags["env"]);
        Assert.Equal(["sre"], cluster.ApproverGroups);
        Assert.Equal(TimeSpan.FromMinutes(15), cluster.ExecSessionLimit);
        Assert.Equal("https://127.0.0.1:16443", cluster.AgentUrl);
    }

    [Fact]
    public void Token_written_into_the_config_and_a_plain_http_server_are_refused()
    {
        _folder.WriteFile("ca.crt", "x");
        _folder.WriteFile("server-ca.crt", "x");
        var yaml = WithCluster("token: eyJhbGciOi-the-token-itself").Replace("https://10.0.0.1:6443", "http://10.0.0.1:8080", StringComparison.Ordinal);

        var error = Assert.Throws<ConfigurationException>(() => ConfigurationLoader.LoadFromYaml(yaml, "ticketgate.yaml", _folder.Path));

        Assert.Contains("kubernetes.clusters.prod-eu.token", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("eyJhbGciOi", error.Message, StringComparison.Ordinal);
        Assert.Contains("kubernetes.clusters.prod-eu.server", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kubeconfig_command_prints_a_kubeconfig_kubectl_reads_with_the_exec_plugin()
    {
        var ca = "-----BEGIN CERTIFICATE-----\nMIIBdemo\n-----END CERTIFICATE-----\n";
        _folder.WriteFile("ca.crt", ca);
        _folder.WriteFile("server-ca.crt", "x");
        var token = _folder.WriteFile("sa.token", "the-service-account-token\n");
        var config = _folder.WriteFile("ticketgate.yaml", WithCluster($"token: {{ file: {token} }}"));
        var ticketgate = Path.Combine(AppContext.BaseDirectory, "ticketgate");

        var printed = await ChildProcess.RunAsync(ticketgate, ["kubeconfig", "prod-eu", "--config", config, "--token-file", Path.Combine(_folder.Path, "agent.token"), "--namespace", "shop"],
            TimeSpan.FromSeconds(30), new Dictionary<string, string?> { [_folder.StateDbVariable] = "Host=x;Database=y;Username=z", [_folder.PasswordVariable] = "p" });
        Assert.True(printed.ExitCode == 0, printed.CombinedOutput);
        var kubeconfig = _folder.WriteFile("agent.kubeconfig", printed.StandardOutput);
        var view = await ChildProcess.RunAsync(KubernetesPath.Kubectl, ["config", "view", "--kubeconfig", kubeconfig, "--raw", "-o",
            "jsonpath={.clusters[0].cluster.server} {.contexts[0].context.namespace} {.users[0].user.exec.command} {.users[0].user.exec.args} {.clusters[0].cluster.certificate-authority-data}"],
            TimeSpan.FromSeconds(30));

        Assert.True(view.ExitCode == 0, view.CombinedOutput);
        var fields = view.StandardOutput.Split(' ');
        Assert.Equal(["https://127.0.0.1:16443", "shop", ticketgate], fields[..3]);
        Assert.Equal($"[\"kube-token\",\"--token-file={Path.Combine(_folder.Path, "agent.token")}\"]", fields[3]);
        Assert.Equal(ca, System.Text.Encoding.ASCII.GetString(Convert.FromBase64String(fields[4])));

        var unknown = await ChildProcess.RunAsync(ticketgate, ["kubeconfig", "nope", "--config", config], TimeSpan.FromSeconds(30),
            new Dictionary<string, string?> { [_folder.StateDbVariable] = "Host=x;Database=y;Username=z", [_folder.PasswordVariable] = "p" });
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("the config has no Kubernetes cluster \"nope\" (it defines prod-eu)", unknown.StandardError, StringComparison.Ordinal);
    }
}
