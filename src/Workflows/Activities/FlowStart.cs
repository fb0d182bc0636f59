using TicketGate.Workflows.Runtime;

namespace TicketGate.Workflows.Activities;

/// <summary><c>Elsa.Start</c>: marks where the flowchart begins; completes at once.</summary>
[Activity("Elsa", "Start", Category = "Flow", DisplayName = "Start", Description = "The workflow starts here.", IsStart = true)]
public sealed class FlowStart : WorkflowActivity
{
    public override ValueTask ExecuteAsync(ActivityExecutionContext context)
    {
        context.Complete();
        return ValueTask.CompletedTask;
    }
}

/// <summary><c>Elsa.End</c>: completing it completes the whole flowchart, dropping any other waits.</summary>
[Activity("Elsa", "End", Category = "Flow", DisplayName = "End", Description = "Ends the workflow.", IsTerminal = true)]
public sealed class FlowEnd : WorkflowActivity
{
    public override ValueTask ExecuteAsync(ActivityExecutionContext context)
    {
        context.Complete();
        return ValueTask.CompletedTask;
    }
}

/// <summary><c>Elsa.Finish</c>: like End, finishes the workflow immediately.</summary>
[Activity("Elsa", "Finish", Category = "Primitives", DisplayName = "Finish", Description = "Finishes the workflow.", IsTerminal = true)]
public sealed class Finish : WorkflowActivity
{
    public override ValueTask ExecuteAsync(ActivityExecutionContext context)
    {
        context.Complete();
        return ValueTask.CompletedTask;
    }
}
