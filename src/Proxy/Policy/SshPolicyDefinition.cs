using TicketGate.Workflows.Approvals;

namespace TicketGate.Proxy.Policy;

/// <summary>
/// The <c>ssh:</c> part of a policy: rules over the target (name globs, tags), the identity's groups and the command (regular
/// expressions over each simple command, see <see cref="Classification.Shell.ShellCommandLine"/>), or interactive shells.
/// A policy without it holds every SSH command for review (<see cref="DefaultTier"/> medium, no rules).
/// </summary>
public sealed class SshPolicyDefinition
{
    public static readonly SshPolicyDefinition Empty = new();

    public IReadOnlyList<SshPolicyRuleDefinition> Rules { get; init; } = [];
    /// <summary>The tier of a command no rule matches.</summary>
    public RiskTier DefaultTier { get; init; } = RiskTier.Medium;
}

/// <summary>An SSH rule: every non-empty matcher must match; for each simple command the first matching rule decides.</summary>
public sealed class SshPolicyRuleDefinition
{
    public required string Name { get; init; }
    /// <summary>Target name globs ("db*").</summary>
    public IReadOnlyList<string> Targets { get; init; } = [];
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();
    public IReadOnlyList<string> Groups { get; init; } = [];
    /// <summary>Regular expressions, any of which must match the simple command (program without its directory, wrappers such as sudo dropped).</summary>
    public IReadOnlyList<string> Commands { get; init; } = [];
    /// <summary>The rule speaks about interactive shells (ssh without a command) instead of commands.</summary>
    public bool Interactive { get; init; }
    public required RiskTier Tier { get; init; }
}
