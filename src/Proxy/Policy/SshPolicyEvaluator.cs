using System.Text.RegularExpressions;
using TicketGate.Proxy.Classification.Shell;
using TicketGate.Proxy.Ssh;
using TicketGate.Workflows.Approvals;

namespace TicketGate.Proxy.Policy;

/// <summary>What the SSH policy decided: tier, the rule that set it, and what kind of request it was (command, shell, opaque, file-write).</summary>
public readonly record struct SshVerdict(RiskTier Tier, string Rule, string CommandClass);

/// <summary>
/// Judges SSH requests by an <see cref="SshPolicyDefinition"/>. A command line is judged per simple command and takes the highest
/// tier; a line the shell parser can't see through, or one writing files by redirection, is held at least at medium whatever the
/// rules say, and an empty command is an interactive shell. Thread-safe; build one per policy.
/// </summary>
public sealed class SshPolicyEvaluator
{
    public const string OpaqueRule = "ssh-opaque";
    public const string FileWriteRule = "ssh-file-writes";
    private static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(100);

    private readonly Rule[] _rules;
    private readonly RiskTier _defaultTier;

    public SshPolicyEvaluator(SshPolicyDefinition definition)
    {
        _defaultTier = definition.DefaultTier;
        _rules = [.. definition.Rules.Select(r => new Rule(r))];
    }

    /// <summary>Whether <paramref name="pattern"/> is a usable command expression; null when it is, else what is wrong.</summary>
    public static string? PatternProblem(string pattern)
    {
        try
        {
            _ = new Regex(pattern, RegexOptions.CultureInvariant, MatchTimeout);
            return null;
        }
        catch (ArgumentException e)
        {
            return $"'{pattern}' is not a regular expression: {e.Message}";
        }
    }

    /// <summary>An interactive shell on <paramref name="target"/>.</summary>
    public SshVerdict EvaluateShell(SshTargetDefinition target, IReadOnlyList<string> groups)
    {
        foreach (var rule in _rules)
        {
            if (rule.Interactive && rule.AppliesTo(target, groups)) return new SshVerdict(rule.Tier, rule.Name, "shell");
        }
        return new SshVerdict(Max(_defaultTier, RiskTier.Medium), PolicyVerdict.DefaultRule, "shell");
    }

    public SshVerdict EvaluateCommand(SshTargetDefinition target, IReadOnlyList<string> groups, ShellCommandLine line)
    {
        var best = new SshVerdict((RiskTier)(-1), PolicyVerdict.EmptyRule, "command");
        foreach (var command in line.Commands)
        {
            var verdict = Decide(target, groups, command);
            if (verdict.Tier > best.Tier) best = verdict;
        }
        if (line.Commands.Count == 0 && !line.Opaque) best = new SshVerdict(RiskTier.Low, PolicyVerdict.EmptyRule, "command");
        if (line.WritesFiles && best.Tier < RiskTier.Medium) best = new SshVerdict(RiskTier.Medium, FileWriteRule, "file-write");
        if (line.Opaque && best.Tier < RiskTier.Medium) best = new SshVerdict(RiskTier.Medium, OpaqueRule, "opaque");
        return best;
    }

    private SshVerdict Decide(SshTargetDefinition target, IReadOnlyList<string> groups, string command)
    {
        foreach (var rule in _rules)
        {
            if (!rule.Interactive && rule.AppliesTo(target, groups) && rule.Matches(command)) return new SshVerdict(rule.Tier, rule.Name, "command");
        }
        return new SshVerdict(_defaultTier, PolicyVerdict.DefaultRule, "command");
    }

    private static RiskTier Max(RiskTier a, RiskTier b) => a > b ? a : b;

    private sealed class Rule
    {
        private readonly NameGlob[] _targets;
        private readonly KeyValuePair<string, string>[] _tags;
        private readonly HashSet<string>? _groups;
        private readonly Regex[] _commands;

        public Rule(SshPolicyRuleDefinition definition)
        {
            Name = definition.Name;
            Tier = definition.Tier;
            Interactive = definition.Interactive;
            _targets = [.. definition.Targets.Select(t => new NameGlob(t))];
            _tags = [.. definition.Tags];
            _groups = definition.Groups.Count == 0 ? null : new HashSet<string>(definition.Groups, StringComparer.Ordinal);
            _commands = [.. definition.Commands.Select(c => new Regex(c, RegexOptions.CultureInvariant, MatchTimeout))];
        }

        public string Name { get; }
        public RiskTier Tier { get; }
        public bool Interactive { get; }

        public bool AppliesTo(SshTargetDefinition target, IReadOnlyList<string> identityGroups)
        {
            if (_targets.Length > 0 && !_targets.Any(t => t.IsMatch(target.Name))) return false;
            foreach (var (key, value) in _tags)
            {
                if (!target.Tags.TryGetValue(key, out var actual) || !string.Equals(actual, value, StringComparison.OrdinalIgnoreCase)) return false;
            }
            return _groups is null || identityGroups.Any(_groups.Contains);
        }

        public bool Matches(string command)
        {
            if (_commands.Length == 0) return true;
            foreach (var pattern in _commands)
            {
                try
                {
                    if (pattern.IsMatch(command)) return true;
                }
                catch (RegexMatchTimeoutException)
                {
                    // A pattern that can't decide in time counts as matching when it would hold the command, never when it would let it pass.
                    if (Tier > RiskTier.Low) return true;
                }
            }
            return false;
        }
    }
}
