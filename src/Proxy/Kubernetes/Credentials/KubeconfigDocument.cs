using System.Text;
using TicketGate.Proxy.Configuration;

namespace TicketGate.Proxy.Kubernetes.Credentials;

/// <summary>
/// The kubeconfig an agent uses for a cluster behind TicketGate: the server is TicketGate's listener, its CA is embedded, and the
/// user runs `ticketgate kube-token` as an exec credential plugin, so the agent's Okta token is fetched fresh and never written down.
/// </summary>
internal static class KubeconfigDocument
{
    public static string Create(KubernetesClusterDefinition cluster, string ticketgate, IReadOnlyList<string> tokenArguments, string? namespaceName)
    {
        var caFile = cluster.CertificateAuthorityFile ?? cluster.CertificateFile;
        var caData = Convert.ToBase64String(Encoding.ASCII.GetBytes(File.ReadAllText(caFile)));
        var user = $"ticketgate-{cluster.Name}";
        var yaml = new StringBuilder();
        yaml.Append("apiVersion: v1\nkind: Config\n");
        yaml.Append($"clusters:\n- name: {cluster.Name}\n  cluster:\n    server: {cluster.AgentUrl}\n    certificate-authority-data: {caData}\n");
        yaml.Append($"users:\n- name: {user}\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n");
        yaml.Append($"      command: {Quote(ticketgate)}\n      args:\n      - kube-token\n");
        foreach (var argument in tokenArguments) yaml.Append($"      - {Quote(argument)}\n");
        yaml.Append("      interactiveMode: Never\n      provideClusterInfo: false\n");
        yaml.Append($"contexts:\n- name: {cluster.Name}\n  context:\n    cluster: {cluster.Name}\n    user: {user}\n");
        if (namespaceName is not null) yaml.Append($"    namespace: {namespaceName}\n");
        yaml.Append($"current-context: {cluster.Name}\n");
        return yaml.ToString();
    }

    private static string Quote(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
}
