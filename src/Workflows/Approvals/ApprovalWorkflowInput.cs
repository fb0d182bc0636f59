using TicketGate.Workflows.Expressions;

namespace TicketGate.Workflows.Approvals;

/// <summary>
/// What an approval workflow gets as its input (one held command and where it came from), the names its activities read
/// back, and the stimuli that resume it. Definitions refer to these names (<c>getInput('tier')</c>), so they are part of
/// the contract with workflows/*.json and must not change.
/// </summary>
public static class ApprovalWorkflowInput
{
    public const string RequestId = "requestId";
    public const string Protocol = "protocol";
    public const string Connection = "connection";
    public const string ConnectionTags = "connectionTags";
    public const string Requester = "requester";
    public const string RequesterGroups = "requesterGroups";
    public const string Command = "command";
    public const string CommandClass = "commandClass";
    public const string Tier = "tier";
    public const string Rule = "rule";
    public const string ApproverGroups = "approverGroups";
    public const string TicketSystem = "ticketSystem";
    public const string SessionId = "sessionId";

    /// <summary>The input of the instance that decides <paramref name="request"/>.</summary>
    public static Dictionary<string, object?> From(ApprovalRequest request, ApprovalWorkflowBinding binding)
    {
        var tags = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, value) in request.ConnectionTags) tags[key] = value;
        return new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            [RequestId] = request.Id.ToString(),
            [Protocol] = request.Protocol,
            [Connection] = request.Connection,
            [ConnectionTags] = tags,
            [Requester] = request.Requester,
            [RequesterGroups] = request.RequesterGroups.ToArray(),
            [Command] = request.Command,
            [CommandClass] = request.CommandClass,
            [Tier] = request.Tier.ToName(),
            [Rule] = request.Rule,
            [ApproverGroups] = request.ApproverGroups.ToArray(),
            [TicketSystem] = binding.TicketSystem ?? TicketSystems.Jira,
            [SessionId] = request.SessionId,
        };
    }

    /// <summary>The request an instance decides, or null when its input names none (not an approval workflow).</summary>
    public static Guid? RequestIdOf(IReadOnlyDictionary<string, object?> input) =>
        Guid.TryParse(WorkflowTypes.ToText(input.GetValueOrDefault(RequestId)), out var id) ? id : null;

    /// <summary>Like <see cref="RequestIdOf"/>, for activities that can't work without one.</summary>
    public static Guid RequireRequestId(IReadOnlyDictionary<string, object?> input) =>
        RequestIdOf(input) ?? throw new InvalidOperationException(
            $"the workflow input has no '{RequestId}'; TicketGate activities only run in instances started for a held command.");

    public static RiskTier RequireTier(IReadOnlyDictionary<string, object?> input)
    {
        var text = WorkflowTypes.ToText(input.GetValueOrDefault(Tier));
        return RiskTierNames.TryParse(text, out var tier)
            ? tier
            : throw new InvalidOperationException($"the workflow input's '{Tier}' is '{text}', not one of low, medium, high, critical.");
    }

    /// <summary>The instance id of the workflow deciding a request: the request id, so either finds the other without a lookup.</summary>
    public static string InstanceIdOf(Guid requestId) => requestId.ToString("N");
}

/// <summary>Stimuli that resume approval activities, each keyed so only the instance concerned matches.</summary>
public static class ApprovalStimuli
{
    /// <summary>A person voted on a request (payload <c>{ requestId }</c>); the vote itself is already in the store.</summary>
    public const string Vote = "TicketGate.ApprovalVote";

    public static Dictionary<string, object?> VotePayload(Guid requestId) =>
        new(StringComparer.Ordinal) { ["requestId"] = requestId.ToString() };
}

/// <summary>
/// Instance variables TicketGate activities leave for the one that ends the decision (Allow or Deny), so it records who
/// decided, why, whether the fallback policy did, and under which ticket. Workflows may declare them to see them in the Studio.
/// </summary>
public static class DecisionNotes
{
    public const string TicketKey = "TicketKey";
    public const string TicketUrl = "TicketUrl";
    public const string ByFallback = "ByFallback";
    public const string Reason = "DecisionReason";
    public const string DecidedBy = "DecidedBy";

    /// <summary>The workflow output Allow and Deny set: <c>approved</c> or <c>rejected</c>.</summary>
    public const string DecisionOutput = "decision";
}
