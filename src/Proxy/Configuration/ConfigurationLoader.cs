using System.Net;
using System.Text.RegularExpressions;
using Npgsql;
using TicketGate.Proxy.Policy;

namespace TicketGate.Proxy.Configuration;

/// <summary>
/// Reads `ticketgate serve --config FILE` (YAML, snake_case keys; docker/ticketgate.example.yaml documents every key).
/// Unknown keys are errors, relative paths are resolved against the file's folder, and secrets are checked to be
/// readable but never kept. Every problem found is reported at once in a <see cref="ConfigurationException"/>.
/// </summary>
public static partial class ConfigurationLoader
{
    private static readonly string[] SslModes = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"];

    public static TicketGateOptions Load(string path)
    {
        var full = Path.GetFullPath(path);
        string yaml;
        try
        {
            yaml = File.ReadAllText(full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException(path, [new ConfigurationProblem("", 0, 0, $"can't read the config file: {e.Message}")]);
        }
        return LoadFromYaml(yaml, path, Path.GetDirectoryName(full));
    }

    /// <param name="baseDirectory">Folder that relative paths (TLS files, secret files, policy_file) are resolved against; the current folder when null.</param>
    public static TicketGateOptions LoadFromYaml(string yaml, string sourceName, string? baseDirectory = null)
    {
        var problems = new List<ConfigurationProblem>();
        var root = YamlSection.ParseDocument(yaml, baseDirectory ?? Directory.GetCurrentDirectory(), problems);
        if (root is null) throw new ConfigurationException(sourceName, problems);

        var http = ReadHttp(root.Section("http"));
        var oidc = ReadOidc(root.Section("oidc", required: true), http);
        var postgres = ReadPostgres(root.Section("postgres", required: true));
        var stateDatabase = ReadStateDatabase(root.Section("state_database", required: true));
        var connections = ReadConnections(root);
        var (policy, policySource) = ReadPolicy(root, connections);
        var audit = ReadAudit(root.Section("audit"));
        var workflows = ReadWorkflows(root.Section("workflows"), connections);
        var maskingKey = root.Secret("masking_key");
        var recording = ReadRecording(root.Section("recording"));
        var kubernetes = ReadKubernetes(root.Section("kubernetes"));
        var tickets = ReadTickets(root.Section("tickets"));
        var studio = ReadStudio(root.Section("studio"));
        var ssh = ReadSsh(root.Section("ssh"));
        CheckMaskingKey(root, connections, maskingKey);
        root.RejectUnknownKeys();

        if (problems.Count > 0) throw new ConfigurationException(sourceName, problems);
        return new TicketGateOptions
        {
            Oidc = oidc!,
            Postgres = postgres!,
            Http = http,
            StateDatabase = stateDatabase!,
            Connections = connections,
            Policy = policy!,
            PolicySource = policySource,
            Audit = audit,
            Workflows = workflows,
            MaskingKey = maskingKey,
            Recording = recording,
            Kubernetes = kubernetes,
            Tickets = tickets,
            Studio = studio,
            Ssh = ssh,
        };
    }

    private static OidcOptions? ReadOidc(YamlSection? section, HttpListenerOptions http)
    {
        if (section is null) return null;
        var developmentIssuer = section.FilePath("development_issuer", mustExist: false);
        string authority;
        bool requireHttps;
        if (developmentIssuer is not null)
        {
            // TicketGate is its own issuer here, so the authority follows from where its HTTP side is reached.
            if (section.Has("authority"))
            {
                section.Problem("authority", "is given together with development_issuer; keep authority for a real issuer, or drop it to use the development issuer");
            }
            if (section.Boolean("require_https_metadata") == true)
            {
                section.Problem("require_https_metadata", "is true, but the development_issuer is served over TicketGate's plain HTTP listener; drop the key");
            }
            authority = Identity.DevelopmentIssuer.IssuerUrlFor(HttpBaseUrl(http));
            requireHttps = false;
        }
        else
        {
            requireHttps = section.Boolean("require_https_metadata") ?? true;
            var url = requireHttps
                ? section.Url("authority", required: true, "https")
                : section.Url("authority", required: true, "https", "http");
            authority = url?.ToString().TrimEnd('/') ?? "";
        }
        var options = new OidcOptions
        {
            Authority = authority,
            Audience = section.Text("audience", required: true) ?? "",
            GroupsClaim = section.Text("groups_claim") ?? "groups",
            RequireHttpsMetadata = requireHttps,
            ClockSkew = section.Duration("clock_skew") ?? TimeSpan.FromSeconds(30),
            DevelopmentIssuerDirectory = developmentIssuer,
        };
        section.RejectUnknownKeys();
        return options;
    }

    /// <summary>The URL TicketGate's HTTP side is reached at: public_url, else the listen address (a wildcard becomes loopback).</summary>
    private static string HttpBaseUrl(HttpListenerOptions http)
    {
        if (http.PublicUrl is { } publicUrl) return publicUrl;
        var host = http.Address switch
        {
            "0.0.0.0" or "*" => "127.0.0.1",
            "::" => "[::1]",
            _ when http.Address.Contains(':') => $"[{http.Address}]",
            _ => http.Address,
        };
        return $"http://{host}:{http.Port}";
    }

    private static PostgresListenerOptions? ReadPostgres(YamlSection? section)
    {
        if (section is null) return null;
        var defaults = new PostgresListenerOptions();
        var (address, port) = ReadListen(section, defaults.Address, defaults.Port);
        var insecure = section.Boolean("insecure") ?? false;
        var tls = section.Section("tls");
        string? certificate = null, key = null;
        if (tls is not null)
        {
            certificate = tls.FilePath("certificate", required: true);
            key = tls.FilePath("key", required: true);
            tls.RejectUnknownKeys();
        }
        else if (!insecure)
        {
            section.Problem("tls", "is missing; agents send tokens over this port, so give tls: { certificate: FILE, key: FILE } (or insecure: true for loopback tests only)");
        }

        var options = new PostgresListenerOptions
        {
            Address = address,
            Port = port,
            CertificateFile = certificate,
            KeyFile = key,
            Insecure = insecure,
            MaxMessageBytes = section.Integer("max_message_bytes", 1024, int.MaxValue) ?? defaults.MaxMessageBytes,
            StartupTimeout = section.Duration("startup_timeout") ?? defaults.StartupTimeout,
        };
        section.RejectUnknownKeys();
        return options;
    }

    private static HttpListenerOptions ReadHttp(YamlSection? section)
    {
        var defaults = new HttpListenerOptions();
        if (section is null) return defaults;
        var (address, port) = ReadListen(section, defaults.Address, defaults.Port);
        var options = new HttpListenerOptions
        {
            Address = address,
            Port = port,
            PublicUrl = section.Url("public_url", required: false, "https", "http")?.ToString().TrimEnd('/'),
            AdminGroups = section.TextList("admin_groups") ?? defaults.AdminGroups,
        };
        section.RejectUnknownKeys();
        return options;
    }

    /// <summary>"address:port", "[ipv6]:port" or ":port" (port only, default address).</summary>
    private static (string Address, int Port) ReadListen(YamlSection section, string defaultAddress, int defaultPort)
    {
        var text = section.Text("listen");
        if (text is null) return (defaultAddress, defaultPort);

        var colon = text.LastIndexOf(':');
        var host = colon >= 0 ? text[..colon] : text;
        if (host.StartsWith('[') && host.EndsWith(']')) host = host[1..^1];
        if (host.Length == 0) host = defaultAddress;
        var portOk = int.TryParse(colon >= 0 ? text[(colon + 1)..] : "", out var port) && port is >= 1 and <= 65535;
        var hostOk = host == "localhost" || IPAddress.TryParse(host, out _);
        if (colon < 0 || !portOk || !hostOk)
        {
            section.Problem("listen", $"'{text}' is not a listen address; write IP:PORT with a port from 1 to 65535, e.g. 0.0.0.0:5432 or [::]:5432");
            return (defaultAddress, defaultPort);
        }
        return (host, port);
    }

    private static StateDatabaseOptions? ReadStateDatabase(YamlSection? section)
    {
        if (section is null) return null;
        var literal = section.Text("connection_string");
        var fromEnv = section.EnvironmentVariable("connection_string_env");
        var fromFile = section.FilePath("connection_string_file", mustExist: false);
        section.RejectUnknownKeys();

        var given = (literal is null ? 0 : 1) + (fromEnv is null ? 0 : 1) + (fromFile is null ? 0 : 1);
        if (given != 1)
        {
            section.Problem("give exactly one of connection_string_env, connection_string_file or connection_string (without a password)");
            return null;
        }
        if (literal is not null)
        {
            // Never echo the text: it may hold the very password being refused.
            NpgsqlConnectionStringBuilder parsed;
            try
            {
                parsed = new NpgsqlConnectionStringBuilder(literal);
            }
            catch (ArgumentException)
            {
                section.Problem("connection_string", "is not a valid PostgreSQL connection string (Host=...;Database=...;Username=...)");
                return null;
            }
            if (!string.IsNullOrEmpty(parsed.Password))
            {
                section.Problem("connection_string", "holds a password; keep the whole connection string in connection_string_env or connection_string_file instead");
                return null;
            }
            return new StateDatabaseOptions { ConnectionString = literal };
        }

        var secret = fromEnv is not null ? SecretReference.FromEnvironment(fromEnv) : SecretReference.FromFile(fromFile!);
        if (secret.Problem() is { } problem)
        {
            section.Problem(fromEnv is not null ? "connection_string_env" : "connection_string_file", $"{secret}: {problem}");
            return null;
        }
        return new StateDatabaseOptions { ConnectionStringSecret = secret };
    }

    private static Dictionary<string, ConnectionDefinition> ReadConnections(YamlSection root)
    {
        var connections = new Dictionary<string, ConnectionDefinition>(StringComparer.Ordinal);
        var entries = root.NamedSections("connections", required: true);
        if (entries is null) return connections;
        if (entries.Count == 0) root.Problem("connections", "is empty; define at least one upstream database agents may reach");

        foreach (var (name, section, line, column) in entries)
        {
            if (!ConnectionName().IsMatch(name))
            {
                root.Problems.Add(new ConfigurationProblem($"connections.{name}", line, column,
                    $"'{name}' is not a valid connection name; use letters, digits, _, . and - (agents put it in the database name)"));
            }
            if (section is null) continue;

            var connection = new ConnectionDefinition
            {
                Name = name,
                Host = section.Text("host", required: true) ?? "",
                Port = section.Integer("port", 1, 65535) ?? 5432,
                Database = section.Text("database", required: true) ?? "",
                User = section.Text("user", required: true) ?? "",
                Password = section.Secret("password", required: true) ?? new SecretReference(),
                Tags = section.TextMap("tags") ?? new Dictionary<string, string>(),
                ApproverGroups = section.TextList("approver_groups") ?? [],
                SslMode = section.Text("ssl_mode")?.ToLowerInvariant() ?? "prefer",
                Masking = ReadMasking(section.Section("masking")),
            };
            if (Array.IndexOf(SslModes, connection.SslMode) < 0)
            {
                section.Problem("ssl_mode", $"'{connection.SslMode}' is not an SSL mode; use one of {string.Join(", ", SslModes)}");
            }
            section.RejectUnknownKeys();
            connections[name] = connection;
        }
        return connections;
    }

    private static (PolicyDefinition? Policy, string Source) ReadPolicy(YamlSection root, IReadOnlyDictionary<string, ConnectionDefinition> connections)
    {
        var inline = root.Section("policy");
        var file = root.FilePath("policy_file");
        if (inline is not null && root.Has("policy_file"))
        {
            root.Problem("policy_file", "both policy and policy_file are given; keep the rules in one place");
            return (null, "");
        }
        if (inline is not null)
        {
            var policy = PolicyLoader.Read(inline, checkAgainst: connections);
            inline.RejectUnknownKeys();
            return (policy, "policy section of the config file");
        }
        if (file is not null)
        {
            try
            {
                return (PolicyLoader.Load(file), file);
            }
            catch (ConfigurationException e)
            {
                foreach (var p in e.Problems)
                {
                    var where = p.KeyPath.Length == 0 ? file : $"{file}: {p.KeyPath}";
                    root.Problems.Add(p with { KeyPath = $"policy_file ({where})" });
                }
                return (null, "");
            }
        }
        return (DefaultPolicy.Definition, DefaultPolicy.SourceName);
    }

    private static AuditOptions ReadAudit(YamlSection? section)
    {
        var defaults = new AuditOptions();
        if (section is null) return defaults;
        var options = new AuditOptions
        {
            QueueCapacity = section.Integer("queue_capacity", 1, 10_000_000) ?? defaults.QueueCapacity,
            BatchSize = section.Integer("batch_size", 1, 100_000) ?? defaults.BatchSize,
            FlushInterval = section.Duration("flush_interval") ?? defaults.FlushInterval,
        };
        if (options.BatchSize > options.QueueCapacity)
        {
            section.Problem("batch_size", $"{options.BatchSize} is larger than queue_capacity ({options.QueueCapacity}); a batch can't exceed the queue");
        }
        section.RejectUnknownKeys();
        return options;
    }

    [GeneratedRegex("^[A-Za-z0-9_.-]+$")]
    private static partial Regex ConnectionName();
}
