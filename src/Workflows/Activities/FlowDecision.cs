using TicketGate.Workflows.Runtime;

namespace TicketGate.Workflows.Activities;

/// <summary><c>Elsa.FlowDecision</c> (the flowchart "If"): completes with <c>True</c> or <c>False</c>.</summary>
[Activity("Elsa", "FlowDecision", Category = "Branching", DisplayName = "Decision", Description = "Takes the True or the False path.")]
[Outcomes("True", "False")]
public sealed class FlowDecision : WorkflowActivity
{
    [Input(Description = "The condition to evaluate.", UIHint = InputUIHints.SingleLine, Required = true)]
    public Input<bool> Condition { get; } = new();

    public override ValueTask ExecuteAsync(ActivityExecutionContext context)
    {
        context.Complete(context.Get(Condition) ? "True" : "False");
        return ValueTask.CompletedTask;
    }
}
