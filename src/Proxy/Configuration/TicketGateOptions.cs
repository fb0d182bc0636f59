using TicketGate.Workflows.Approvals;

namespace TicketGate.Proxy.Configuration;

/// <summary>Everything `ticketgate serve --config FILE` reads. Built by <c>ConfigurationLoader</c>, validated there.</summary>
public sealed record TicketGateOptions
{
    public required OidcOptions Oidc { get; init; }
    public required PostgresListenerOptions Postgres { get; init; }
    public required HttpListenerOptions Http { get; init; }
    /// <summary>TicketGate's own database (requests, audit, later workflows and Hangfire).</summary>
    public required StateDatabaseOptions StateDatabase { get; init; }
    public required IReadOnlyDictionary<string, ConnectionDefinition> Connections { get; init; }
    public required PolicyDefinition Policy { get; init; }
    /// <summary>Where the policy came from, for logs: the config file, a policy file's path, or the built-in default.</summary>
    public string PolicySource { get; init; } = "built-in default policy";
    public AuditOptions Audit { get; init; } = new();
    public WorkflowOptions Workflows { get; init; } = new();
    /// <summary>The key of the masking style hash (HMAC-SHA-256); one per deployment, so tokens are stable across sessions.</summary>
    public SecretReference? MaskingKey { get; init; }
    public RecordingOptions Recording { get; init; } = new();
    public KubernetesOptions Kubernetes { get; init; } = new();
    /// <summary>Jira and ServiceNow connections; null: every ticket step finds its channel unavailable.</summary>
    public TicketOptions? Tickets { get; init; }
    public StudioOptions Studio { get; init; } = new();
    /// <summary>The SSH path (bastion, CAs, targets); null when the config has no <c>ssh:</c> section.</summary>
    public Ssh.SshOptions? Ssh { get; init; }
}

public sealed class OidcOptions
{
    /// <summary>The issuer URL (an Okta org or custom authorization server); discovery is read from {Authority}/.well-known/openid-configuration.</summary>
    public required string Authority { get; init; }
    public required string Audience { get; init; }
    public string GroupsClaim { get; init; } = "groups";
    /// <summary>Allows an http:// authority (the demo issuer on loopback). Never for production.</summary>
    public bool RequireHttpsMetadata { get; init; } = true;
    public TimeSpan ClockSkew { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>
    /// When set, TicketGate hosts its own development issuer (key kept in this data folder) at {http base URL}/oidc and
    /// <see cref="Authority"/> points at it. For trials and benchmarks without an Okta; never for production.
    /// </summary>
    public string? DevelopmentIssuerDirectory { get; init; }
}

public sealed class PostgresListenerOptions
{
    public string Address { get; init; } = "127.0.0.1";
    public int Port { get; init; } = 15432;
    /// <summary>PEM certificate and key for TLS. Required unless <see cref="Insecure"/>.</summary>
    public string? CertificateFile { get; init; }
    public string? KeyFile { get; init; }
    /// <summary>Accepts tokens over plaintext connections. Only for tests and loopback experiments.</summary>
    public bool Insecure { get; init; }
    public int MaxMessageBytes { get; init; } = 64 * 1024 * 1024;
    /// <summary>How long a client has to finish start-up and authentication.</summary>
    public TimeSpan StartupTimeout { get; init; } = TimeSpan.FromSeconds(15);
}

public sealed class HttpListenerOptions
{
    public string Address { get; init; } = "127.0.0.1";
    public int Port { get; init; } = 15480;
    /// <summary>The URL people use to reach TicketGate's HTTP side (links in notices and tickets). Defaults to http://Address:Port.</summary>
    public string? PublicUrl { get; init; }
    /// <summary>Groups whose members administer TicketGate (the Hangfire dashboard, later the workflow designer).</summary>
    public IReadOnlyList<string> AdminGroups { get; init; } = ["ticketgate-admins"];
}

/// <summary>One upstream database agents may reach, by name. The secret never leaves TicketGate.</summary>
public sealed class ConnectionDefinition
{
    public required string Name { get; init; }
    public required string Host { get; init; }
    public int Port { get; init; } = 5432;
    public required string Database { get; init; }
    public required string User { get; init; }
    /// <summary>Reads the upstream password when a session opens (from an environment variable or a file).</summary>
    public required SecretReference Password { get; init; }
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();
    public IReadOnlyList<string> ApproverGroups { get; init; } = [];
    /// <summary>TLS towards the upstream, as Npgsql names it: disable, allow, prefer, require, verify-ca or verify-full.</summary>
    public string SslMode { get; init; } = "prefer";
    /// <summary>What is masked in results before they reach the agent, the recording, the audit or a log.</summary>
    public MaskingDefinition Masking { get; init; } = MaskingDefinition.None;
}

/// <summary>
/// The connection string of TicketGate's own database: either written in the config file (then it must not hold a
/// password) or kept whole in a secret, because a connection string with a password is a secret itself.
/// </summary>
public sealed class StateDatabaseOptions
{
    /// <summary>A connection string without a password (peer, certificate or passfile authentication).</summary>
    public string? ConnectionString { get; init; }
    /// <summary>An environment variable or file holding the whole connection string.</summary>
    public SecretReference? ConnectionStringSecret { get; init; }

    /// <summary>The connection string, read from its secret each call. Never log the result.</summary>
    public string ReadConnectionString() =>
        ConnectionStringSecret?.Read()
        ?? ConnectionString
        ?? throw new InvalidOperationException("The state database has neither a connection string nor a secret holding one.");

    public override string ToString() =>
        ConnectionStringSecret is not null ? $"connection string from {ConnectionStringSecret}" : "connection string in the config file";
}

public sealed class PolicyDefinition
{
    public IReadOnlyList<PolicyRuleDefinition> Rules { get; init; } = [];
    /// <summary>The tier when no rule matches.</summary>
    public RiskTier DefaultTier { get; init; } = RiskTier.Medium;
    /// <summary>Functions beyond the built-in list that are safe to call without making a statement opaque.</summary>
    public IReadOnlyList<string> SafeFunctions { get; init; } = [];
    /// <summary>Rules for Kubernetes API requests (the policy's <c>kubernetes:</c> section); null: the built-in ones.</summary>
    public KubernetesPolicyDefinition? Kubernetes { get; init; }
    /// <summary>Rules for commands run through the SSH bastion (the policy's <c>ssh:</c> section).</summary>
    public Policy.SshPolicyDefinition Ssh { get; init; } = Policy.SshPolicyDefinition.Empty;
}

/// <summary>A policy rule: every non-empty matcher must match; the first matching rule for a class decides its tier.</summary>
public sealed class PolicyRuleDefinition
{
    public required string Name { get; init; }
    /// <summary>Connection name globs ("prod-*").</summary>
    public IReadOnlyList<string> Connections { get; init; } = [];
    /// <summary>Connection tags that must all be present with these values (env: prod).</summary>
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();
    /// <summary>The identity must be in at least one of these groups.</summary>
    public IReadOnlyList<string> Groups { get; init; } = [];
    /// <summary>Statement classes: read, write, ddl, privilege, admin, opaque.</summary>
    public IReadOnlyList<string> Classes { get; init; } = [];
    /// <summary>Table globs ("public.orders", "audit_*", "*.payments").</summary>
    public IReadOnlyList<string> Tables { get; init; } = [];
    public required RiskTier Tier { get; init; }
}

public sealed class AuditOptions
{
    /// <summary>Entries waiting for the store at most; past this, low-tier entries are counted as dropped and held ones fail closed.</summary>
    public int QueueCapacity { get; init; } = 50_000;
    public int BatchSize { get; init; } = 1_000;
    public TimeSpan FlushInterval { get; init; } = TimeSpan.FromMilliseconds(200);
}
