using TicketGate.Proxy.Configuration;

namespace TicketGate.Tests.Postgres.Startup;

/// <summary>Copies of the fixture's options with one part changed (the options are init-only), for GatewayFixture's configure hook.</summary>
internal static class GatewayOptionChanges
{
    public static TicketGateOptions WithListener(this TicketGateOptions options, Func<PostgresListenerOptions, PostgresListenerOptions> change) => options with { Postgres = change(options.Postgres) };

    public static TicketGateOptions WithConnection(this TicketGateOptions options, ConnectionDefinition connection)
    {
        var connections = new Dictionary<string, ConnectionDefinition>(options.Connections) { [connection.Name] = connection };
        return options with { Connections = connections };
    }

    /// <summary>The policy with more functions treated as safe (pg_sleep: a slow query that runs without approval).</summary>
    public static TicketGateOptions WithSafeFunctions(this TicketGateOptions options, params string[] functions) => options with { Policy = new PolicyDefinition
        {
            Rules = options.Policy.Rules,
            DefaultTier = options.Policy.DefaultTier,
            SafeFunctions = [.. options.Policy.SafeFunctions, .. functions],
        } };

    /// <summary>The fixture's connection under another name, with some of its parts replaced.</summary>
    public static ConnectionDefinition Variant(this ConnectionDefinition connection, string name, int? port = null, string? user = null,
        SecretReference? password = null) => new()
    {
        Name = name,
        Host = connection.Host,
        Port = port ?? connection.Port,
        Database = connection.Database,
        User = user ?? connection.User,
        Password = password ?? connection.Password,
        Tags = connection.Tags,
        ApproverGroups = connection.ApproverGroups,
        SslMode = connection.SslMode,
    };

    public static PostgresListenerOptions Copy(this PostgresListenerOptions listener, bool? insecure = null, bool keepCertificate = true,
        int? maxMessageBytes = null, TimeSpan? startupTimeout = null) => new()
    {
        Address = listener.Address,
        Port = listener.Port,
        CertificateFile = keepCertificate ? listener.CertificateFile : null,
        KeyFile = keepCertificate ? listener.KeyFile : null,
        Insecure = insecure ?? listener.Insecure,
        MaxMessageBytes = maxMessageBytes ?? listener.MaxMessageBytes,
        StartupTimeout = startupTimeout ?? listener.StartupTimeout,
    };
}
