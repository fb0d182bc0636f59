using TicketGate.Workflows.Runtime;

namespace TicketGate.Workflows.Activities;

/// <summary>
/// <c>Elsa.FlowJoin</c>: merges branches. When it runs is the walker's decision (its <c>Mode</c>, read at publish);
/// once it runs it simply completes.
/// </summary>
[Activity("Elsa", "FlowJoin", Category = "Branching", DisplayName = "Join", Description = "Merges parallel branches.")]
public sealed class FlowJoin : WorkflowActivity
{
    [Input(Description = "WaitAny: continue on the first branch and cancel the others. WaitAll: only when every branch arrived. " +
                         "WaitAllActive: when every branch arrived or was skipped.",
        UIHint = InputUIHints.Dropdown, Options = ["WaitAny", "WaitAll", "WaitAllActive"], DefaultValue = "WaitAny")]
    public Input<string> Mode { get; } = new();

    public override ValueTask ExecuteAsync(ActivityExecutionContext context)
    {
        context.Complete();
        return ValueTask.CompletedTask;
    }
}
