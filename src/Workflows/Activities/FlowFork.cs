using TicketGate.Workflows.Expressions;
using TicketGate.Workflows.Model;
using TicketGate.Workflows.Runtime;

namespace TicketGate.Workflows.Activities;

/// <summary><c>Elsa.FlowFork</c>: completes with every branch named in <c>Branches</c>, so they all run.</summary>
[Activity("Elsa", "FlowFork", Category = "Branching", DisplayName = "Fork", Description = "Runs several branches in parallel.")]
public sealed class FlowFork : WorkflowActivity
{
    [Input(Description = "The branch names; each becomes a port.", UIHint = InputUIHints.DynamicOutcomes, DefaultSyntax = "Object")]
    public Input<string[]> Branches { get; } = new();

    public override IReadOnlyList<string> PortsOf(Activity node, ActivityDescriptor descriptor)
    {
        var expression = node.FindWrappedInput(nameof(Branches))?.Expression;
        if (expression?.Text is not { Length: > 0 } text) return [Endpoint.DonePort];
        try
        {
            var branches = WorkflowTypes.ConvertTo<string[]>(WorkflowTypes.ParseJson(text)) ?? [];
            return branches.Length == 0 ? [Endpoint.DonePort] : branches;
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or FormatException)
        {
            // The input's own compilation reports the malformed list against the node.
            return [];
        }
    }

    public override ValueTask ExecuteAsync(ActivityExecutionContext context)
    {
        var branches = context.Get(Branches) ?? [];
        context.Complete(branches.Length == 0 ? [Endpoint.DonePort] : branches);
        return ValueTask.CompletedTask;
    }
}
