using TicketGate.Proxy.Classification.Shell;
using TicketGate.Proxy.Configuration;
using TicketGate.Proxy.Policy;
using TicketGate.Proxy.Ssh;
using TicketGate.Workflows.Approvals;

namespace TicketGate.Tests.Ssh;

/// <summary>How the built-in policy judges shell command lines, and how lines are split so that no risky part hides behind a read.</summary>
public sealed class SshPolicyTests
{
    private static readonly SshTargetDefinition Target = new()
    {
        Name = "db1",
        Host = "127.0.0.1",
        User = "deploy",
        Key = SecretReference.FromFile("/dev/null"),
        HostKeyFingerprint = "SHA256:x",
        Tags = new Dictionary<string, string> { ["env"] = "prod" },
    };

    private static readonly SshPolicyEvaluator Policy = new(DefaultPolicy.Definition.Ssh);

    [Theory]
    [InlineData("systemctl status nginx", RiskTier.Low, "ssh-reads")]
    [InlineData("cat /etc/hostname; ls -la /var/log | tail -n 5", RiskTier.Low, "ssh-reads")]
    [InlineData("journalctl -u nginx --since today 2>&1 | grep -i error", RiskTier.Low, "ssh-reads")]
    [InlineData("ls /tmp > /dev/null 2>&1", RiskTier.Low, "ssh-reads")]
    [InlineData("systemctl restart nginx", RiskTier.Medium, "ssh-service-changes")]
    [InlineData("sudo systemctl stop postgresql", RiskTier.Medium, "ssh-service-changes")]
    [InlineData("/bin/rm -fr /var/www", RiskTier.Medium, "ssh-recursive-delete")]
    [InlineData("rm -f -R /data", RiskTier.Medium, "ssh-recursive-delete")]
    [InlineData("sudo -u root apt-get install -y curl", RiskTier.Medium, "ssh-package-changes")]
    [InlineData("dpkg -i pkg.deb", RiskTier.Medium, "ssh-package-changes")]
    [InlineData("shutdown -h now", RiskTier.High, "ssh-power")]
    [InlineData("ls; sudo reboot", RiskTier.High, "ssh-power")]
    [InlineData("uptime && sh -c 'systemctl poweroff'", RiskTier.High, "ssh-power")]
    [InlineData("env FOO=1 nohup rm -r /srv &", RiskTier.Medium, "ssh-recursive-delete")]
    [InlineData("echo hi > /etc/motd", RiskTier.Medium, SshPolicyEvaluator.FileWriteRule)]
    [InlineData("ls $(cat /tmp/list)", RiskTier.Medium, SshPolicyEvaluator.OpaqueRule)]
    [InlineData("cat `which rm`", RiskTier.Medium, SshPolicyEvaluator.OpaqueRule)]
    [InlineData("eval \"$CMD\"", RiskTier.Medium, SshPolicyEvaluator.OpaqueRule)]
    [InlineData("$X -rf /", RiskTier.Medium, SshPolicyEvaluator.OpaqueRule)]
    [InlineData("echo 'unbalanced", RiskTier.Medium, SshPolicyEvaluator.OpaqueRule)]
    [InlineData("python3 -c 'print(1)'", RiskTier.Medium, PolicyVerdict.DefaultRule)]
    public void Default_policy_judges_each_simple_command_and_the_riskiest_wins(string command, RiskTier tier, string rule)
    {
        var verdict = Policy.EvaluateCommand(Target, ["agents"], ShellCommandLine.Parse(command));

        Assert.Equal((tier, rule), (verdict.Tier, verdict.Rule));
    }

    [Fact]
    public void Interactive_shell_is_held_by_the_default_policy()
    {
        var verdict = Policy.EvaluateShell(Target, ["agents"]);

        Assert.Equal((RiskTier.Medium, "ssh-interactive-shell", "shell"), (verdict.Tier, verdict.Rule, verdict.CommandClass));
    }

    [Fact]
    public void Splitting_peels_wrappers_and_keeps_quoted_words_whole()
    {
        var line = ShellCommandLine.Parse("sudo -u app env A=1 /usr/bin/grep 'a b' \"c;d\" file.txt && timeout 5 systemctl status x || true");

        Assert.Equal(["grep a b c;d file.txt", "systemctl status x", "true"], line.Commands);
        Assert.False(line.Opaque);
        Assert.False(line.WritesFiles);
    }

    [Fact]
    public void Rules_match_targets_tags_and_groups()
    {
        var policy = PolicyLoader.LoadFromYaml("""
            ssh:
              default_tier: low
              rules:
                - name: prod-oncall-restart
                  targets: ["db*"]
                  tags: { env: prod }
                  groups: [oncall]
                  commands: ['^systemctl restart ']
                  tier: low
                - name: restarts
                  commands: ['^systemctl restart ']
                  tier: high
                - name: everything-else-critical
                  targets: [web*]
                  tier: critical
            """, "test");
        var evaluator = new SshPolicyEvaluator(policy.Ssh);
        var restart = ShellCommandLine.Parse("systemctl restart nginx");

        Assert.Equal(RiskTier.Low, evaluator.EvaluateCommand(Target, ["oncall"], restart).Tier);
        Assert.Equal(RiskTier.High, evaluator.EvaluateCommand(Target, ["agents"], restart).Tier);
        Assert.Equal(RiskTier.Critical, evaluator.EvaluateCommand(new SshTargetDefinition
        {
            Name = "web1",
            Host = "h",
            User = "u",
            Key = Target.Key,
            HostKeyFingerprint = "SHA256:x",
        }, ["agents"], ShellCommandLine.Parse("uptime")).Tier);
        // A policy without an ssh section holds every SSH command and shell.
        Assert.Equal(RiskTier.Medium, new SshPolicyEvaluator(PolicyLoader.LoadFromYaml("rules: []", "t").Ssh).EvaluateCommand(Target, [], restart).Tier);
    }

    [Fact]
    public void Bad_ssh_rules_are_reported_with_their_key()
    {
        var error = Assert.Throws<ConfigurationException>(() => PolicyLoader.LoadFromYaml("""
            ssh:
              rules:
                - name: broken
                  commands: ['^(rm']
                  tier: medium
                - name: shells
                  interactive: true
                  commands: ['^ls']
                  tier: low
            """, "policy.yaml"));

        Assert.Contains("'^(rm' is not a regular expression", error.Message, StringComparison.Ordinal);
        Assert.Contains("an interactive rule speaks about shells", error.Message, StringComparison.Ordinal);
    }
}
