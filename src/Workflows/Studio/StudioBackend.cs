using Microsoft.Extensions.Logging;
using TicketGate.Workflows.Approvals;
using TicketGate.Workflows.Definitions;
using TicketGate.Workflows.Runtime;

namespace TicketGate.Workflows.Studio;

/// <summary>What the Studio API works on: the runtime's catalog, runner and stores, and the held-command side it must not strand.</summary>
public sealed class StudioBackend(
    WorkflowCatalog catalog,
    DefinitionIntake intake,
    WorkflowRunner runner,
    IWorkflowInstanceStore instances,
    StudioInstanceQueries instanceQueries,
    StudioDescriptors descriptors,
    ApprovalWorkflowBindings bindings,
    ApprovalRequestStore requests,
    IDecisionPublisher decisions,
    ILogger<StudioBackend> logger)
{
    public WorkflowCatalog Catalog { get; } = catalog;
    public DefinitionIntake Intake { get; } = intake;
    public WorkflowRunner Runner { get; } = runner;
    public IWorkflowInstanceStore Instances { get; } = instances;
    public StudioInstanceQueries InstanceQueries { get; } = instanceQueries;
    public StudioDescriptors Descriptors { get; } = descriptors;
    public ApprovalWorkflowBindings Bindings { get; } = bindings;
    public ApprovalRequestStore Requests { get; } = requests;
    public IDecisionPublisher Decisions { get; } = decisions;
    public ILogger Logger { get; } = logger;

    /// <summary>The connections whose held commands start <paramref name="definitionId"/> ("(default)" for the default binding).</summary>
    public IReadOnlyList<string> BoundConnections(string definitionId)
    {
        var bound = new List<string>();
        if (string.Equals(Bindings.DefaultDefinitionId, definitionId, StringComparison.Ordinal)) bound.Add("(default)");
        foreach (var (connection, binding) in Bindings.Connections)
        {
            if (string.Equals(binding.DefinitionId, definitionId, StringComparison.Ordinal)) bound.Add(connection);
        }
        return bound;
    }
}
