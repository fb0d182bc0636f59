using TicketGate.Proxy.Configuration;

namespace TicketGate.Proxy.Policy;

/// <summary>
/// The built-in policy (default-policy.yaml, embedded): reads pass, writes, schema changes and opaque code are held,
/// schema changes on env=prod and administration are held on the stricter path, privilege changes are refused.
/// </summary>
public static class DefaultPolicy
{
    public const string SourceName = "built-in default policy";
    private const string ResourceName = "TicketGate.Proxy.Policy.default-policy.yaml";

    private static readonly Lazy<string> Text = new(ReadResource);
    private static readonly Lazy<PolicyDefinition> Parsed = new(() => PolicyLoader.LoadFromYaml(Text.Value, SourceName));

    /// <summary>The policy file's text, comments included, for `ticketgate` to show or write out as a starting point.</summary>
    public static string Yaml => Text.Value;

    public static PolicyDefinition Definition => Parsed.Value;

    private static string ReadResource()
    {
        using var stream = typeof(DefaultPolicy).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The resource {ResourceName} is missing from the ticketgate assembly; the build is broken.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
