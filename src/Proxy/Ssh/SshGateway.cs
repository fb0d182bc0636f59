using TicketGate.Proxy.Audit;
using TicketGate.Proxy.Policy;
using TicketGate.Proxy.Recording;
using TicketGate.Workflows.Approvals;

namespace TicketGate.Proxy.Ssh;

/// <summary>What every SSH session of this TicketGate shares: its options, CAs, policy, approval gate, audit and recording.</summary>
internal sealed class SshGateway(SshOptions options, SshCertificateAuthority authority, SshPolicyEvaluator policy, IApprovalGate approvals,
    AuditLog audit, RecordingLog recording, Func<Guid, string> requestLink)
{
    public SshOptions Options { get; } = options;
    public SshCertificateAuthority Authority { get; } = authority;
    public SshPolicyEvaluator Policy { get; } = policy;
    public IApprovalGate Approvals { get; } = approvals;
    public AuditLog Audit { get; } = audit;
    public RecordingLog Recording { get; } = recording;
    public Func<Guid, string> RequestLink { get; } = requestLink;
    private int? _loginUid;

    /// <summary>The login account's uid: the only peer (besides root) the shim socket talks to. Looked up until found, since a managed bastion creates the account after start.</summary>
    public int? LoginUid => _loginUid ??= BastionAccount.UidOf(Options.Bastion.LoginUser);

    public SshTargetDefinition Target(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            throw new SshAccessException("no target named: the ssh config block for the host must say SetEnv TG_TARGET=NAME (`ticketgate ssh-login` writes it)");
        }
        return Options.Targets.TryGetValue(name, out var target)
            ? target
            : throw new SshAccessException($"there is no SSH target \"{name}\"; known targets: {string.Join(", ", Options.Targets.Keys.Order(StringComparer.Ordinal))}");
    }
}
