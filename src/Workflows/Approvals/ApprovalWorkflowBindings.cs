namespace TicketGate.Workflows.Approvals;

/// <summary>
/// Which workflow definition decides the commands held on a connection, and which ticket system its high-risk path uses.
/// </summary>
public sealed class ApprovalWorkflowBindings
{
    /// <summary>The definition id of workflows/approval.json.</summary>
    public const string DefaultApprovalDefinition = "approval";

    public string DefaultDefinitionId { get; init; } = DefaultApprovalDefinition;

    /// <summary>The ticket system of connections without their own (the workflow input <c>ticketSystem</c>).</summary>
    public string DefaultTicketSystem { get; init; } = TicketSystems.Jira;

    /// <summary>Per connection name; either part may be left out to take the default.</summary>
    public IReadOnlyDictionary<string, ApprovalWorkflowBinding> Connections { get; init; } =
        new Dictionary<string, ApprovalWorkflowBinding>(StringComparer.Ordinal);

    /// <summary>The binding that applies to <paramref name="connection"/>, defaults filled in.</summary>
    public ApprovalWorkflowBinding For(string connection)
    {
        var own = Connections.GetValueOrDefault(connection);
        return new ApprovalWorkflowBinding
        {
            DefinitionId = own?.DefinitionId ?? DefaultDefinitionId,
            TicketSystem = own?.TicketSystem ?? DefaultTicketSystem,
        };
    }
}

public sealed record ApprovalWorkflowBinding
{
    public string? DefinitionId { get; init; }
    /// <summary><see cref="TicketSystems.Jira"/> or <see cref="TicketSystems.ServiceNow"/>.</summary>
    public string? TicketSystem { get; init; }
}

/// <summary>The ticket system names workflows compare the <c>ticketSystem</c> input with.</summary>
public static class TicketSystems
{
    public const string Jira = "jira";
    public const string ServiceNow = "servicenow";

    public static bool IsKnown(string? name) => name is Jira or ServiceNow;
}
