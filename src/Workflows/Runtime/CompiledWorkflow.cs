using TicketGate.Workflows.Expressions;
using TicketGate.Workflows.Model;

namespace TicketGate.Workflows.Runtime;

/// <summary>
/// A definition version checked and compiled once (inputs parsed, ports resolved, graph analysed), shared by every
/// run of that version. Built by <see cref="Definitions.WorkflowCompiler"/>; never half-built.
/// </summary>
public sealed class CompiledWorkflow
{
    private readonly Dictionary<string, CompiledActivity> activities;

    internal CompiledWorkflow(WorkflowDefinition definition, string contentHash, List<CompiledActivity> ordered, FlowchartGraph graph)
    {
        Definition = definition;
        ContentHash = contentHash;
        Activities = ordered;
        Graph = graph;
        activities = new Dictionary<string, CompiledActivity>(ordered.Count, StringComparer.Ordinal);
        foreach (var activity in ordered) activities[activity.Id] = activity;
        var variables = new Dictionary<string, VariableDefinition>(StringComparer.Ordinal);
        foreach (var variable in definition.Variables ?? []) variables[variable.Name] = variable;
        foreach (var variable in definition.Root?.Variables ?? []) variables.TryAdd(variable.Name, variable);
        Variables = variables;
    }

    /// <summary>The definition as stored; treat it as read-only.</summary>
    public WorkflowDefinition Definition { get; }
    public string DefinitionId => Definition.DefinitionId ?? "";
    public string VersionId => Definition.Id ?? "";
    public int Version => Definition.Version;
    public string ContentHash { get; }

    /// <summary>The flowchart's activities in definition order.</summary>
    public IReadOnlyList<CompiledActivity> Activities { get; }

    /// <summary>Declared variables by name (workflow-level first, then the flowchart's own).</summary>
    public IReadOnlyDictionary<string, VariableDefinition> Variables { get; }

    internal FlowchartGraph Graph { get; }

    public CompiledActivity? Find(string activityId) => activities.GetValueOrDefault(activityId);

    /// <summary>
    /// Contract §7.1 start node, first match wins: the triggering activity; an <c>Elsa.Start</c>; the first with
    /// <c>canStartWorkflow</c>; the single activity without inbound connections; the first activity.
    /// </summary>
    public CompiledActivity? StartNode(string? triggerActivityId)
    {
        if (triggerActivityId is not null && Find(triggerActivityId) is { } trigger) return trigger;
        foreach (var activity in Activities)
        {
            if (activity.Type == "Elsa.Start") return activity;
        }
        foreach (var activity in Activities)
        {
            if (activity.Node.CanStartWorkflow) return activity;
        }
        CompiledActivity? root = null;
        var roots = 0;
        foreach (var activity in Activities)
        {
            if (Graph.AllInbound(activity.Id).Count == 0)
            {
                root = activity;
                roots++;
            }
        }
        if (roots == 1) return root;
        return Activities.Count > 0 ? Activities[0] : null;
    }
}

/// <summary>How a node with several inbound connections decides to run (contract §7.1, <c>FlowJoin.Mode</c>).</summary>
public enum JoinMode
{
    WaitAllActive,
    WaitAll,
    WaitAny,
}

/// <summary>One node, ready to run: its registered type, inputs compiled, ports known.</summary>
public sealed class CompiledActivity
{
    internal CompiledActivity(Activity node, RegisteredActivity registered)
    {
        Node = node;
        Registered = registered;
    }

    public Activity Node { get; }
    public RegisteredActivity Registered { get; }
    public string Id => Node.Id;
    public string Type => Node.Type;
    public ActivityDescriptor Descriptor => Registered.Descriptor;
    public IReadOnlyList<CompiledInput> Inputs { get; internal set; } = [];

    /// <summary>Expressions the activity compiled itself (<see cref="ActivityCompilation.CompileExpression"/>), by key.</summary>
    public IReadOnlyDictionary<string, CompiledExpression> Expressions { get; internal set; } = new Dictionary<string, CompiledExpression>();

    /// <summary>Output name → variable id/name or workflow output name it is bound to.</summary>
    public IReadOnlyDictionary<string, string> OutputBindings { get; internal set; } = new Dictionary<string, string>();

    public IReadOnlyList<string> Ports { get; internal set; } = [];
    public JoinMode JoinMode { get; internal set; } = JoinMode.WaitAllActive;
}

/// <summary>
/// An input of a node: a compiled expression (wrapped inputs), a raw value (non-wrapped), or the descriptor default
/// when the node doesn't carry the property.
/// </summary>
public sealed record CompiledInput(InputDescriptor Descriptor, CompiledExpression? Expression, object? Value);
