namespace TicketGate.Proxy.Configuration;

public static partial class ConfigurationLoader
{
    /// <summary>
    /// <c>kubernetes: { clusters: { NAME: { listen, public_url, tls: { certificate, key, ca }, server, server_ca, token: { env | file },
    /// tags, approver_groups, exec_session_limit } } }</c>.
    /// </summary>
    private static KubernetesOptions ReadKubernetes(YamlSection? section)
    {
        if (section is null) return new KubernetesOptions();
        var clusters = new Dictionary<string, KubernetesClusterDefinition>(StringComparer.Ordinal);
        foreach (var (name, entry, line, column) in section.NamedSections("clusters", required: true) ?? [])
        {
            if (!ConnectionName().IsMatch(name))
            {
                section.Problems.Add(new ConfigurationProblem($"{section.KeyPath("clusters")}.{name}", line, column,
                    $"'{name}' is not a valid cluster name; use letters, digits, _, . and - (it names the kubeconfig context)"));
            }
            if (entry is null) continue;
            var (address, port) = ReadListen(entry, "127.0.0.1", 0);
            if (!entry.Has("listen")) entry.Problem("listen", "is missing; give the address agents' kubectl connects to, e.g. 127.0.0.1:16443");
            string? certificate = null, key = null, ca = null;
            if (entry.Section("tls", required: true) is { } tls)
            {
                certificate = tls.FilePath("certificate", required: true);
                key = tls.FilePath("key", required: true);
                ca = tls.FilePath("ca");
                tls.RejectUnknownKeys();
            }
            var server = entry.Url("server", required: true, "https");
            var cluster = new KubernetesClusterDefinition
            {
                Name = name,
                Address = address,
                Port = port,
                CertificateFile = certificate ?? "",
                KeyFile = key ?? "",
                CertificateAuthorityFile = ca,
                PublicUrl = entry.Url("public_url", required: false, "https")?.ToString().TrimEnd('/'),
                Server = server ?? new Uri("https://invalid"),
                ServerCertificateAuthorityFile = entry.FilePath("server_ca"),
                Token = entry.Secret("token", required: true) ?? new SecretReference(),
                Tags = entry.TextMap("tags") ?? new Dictionary<string, string>(),
                ApproverGroups = entry.TextList("approver_groups") ?? [],
                ExecSessionLimit = entry.Duration("exec_session_limit") ?? TimeSpan.FromHours(1),
            };
            entry.RejectUnknownKeys();
            clusters[name] = cluster;
        }
        section.RejectUnknownKeys();
        return new KubernetesOptions { Clusters = clusters };
    }
}
