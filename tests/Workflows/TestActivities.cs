using TicketGate.Workflows.Runtime;

namespace TicketGate.Tests.Workflows;

/// <summary>Waits for an external signal named by its <c>Signal</c> input; resumes with outcome <c>Done</c> and stores the payload.</summary>
[Activity("Test", "WaitForSignal", Category = "Test")]
public sealed class WaitForSignal : WorkflowActivity
{
    public const string BookmarkName = "Test.Signal";

    [Input(Required = true)]
    public Input<string> Signal { get; } = new();

    [Output]
    public Output<object> Received { get; } = new();

    public override ValueTask ExecuteAsync(ActivityExecutionContext context)
    {
        context.CreateBookmark(BookmarkName, new Dictionary<string, object?> { ["signal"] = context.Get(Signal) });
        return ValueTask.CompletedTask;
    }

    public override ValueTask ResumeAsync(ActivityExecutionContext context, ResumedBookmark resumed)
    {
        context.Set(Received, resumed.Payload!);
        context.Complete();
        return ValueTask.CompletedTask;
    }
}

/// <summary>Throws, as a broken integration would.</summary>
[Activity("Test", "Explode", Category = "Test")]
public sealed class Explode : WorkflowActivity
{
    public override ValueTask ExecuteAsync(ActivityExecutionContext context) =>
        throw new InvalidOperationException("the ticket system answered 503");
}
