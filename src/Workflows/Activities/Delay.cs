using TicketGate.Workflows.Runtime;

namespace TicketGate.Workflows.Activities;

/// <summary>
/// <c>Elsa.Delay</c>: waits on a timer bookmark (name <c>Elsa.Delay</c>, payload <c>{ resumeAt }</c>) that the
/// <see cref="IWorkflowScheduler"/> fires at <c>now + TimeSpan</c>; a zero or negative span completes at once.
/// </summary>
[Activity("Elsa", "Delay", Category = "Scheduling", DisplayName = "Delay", Description = "Waits for the given time span.")]
public sealed class Delay : WorkflowActivity
{
    public const string BookmarkName = "Elsa.Delay";

    [Input(Description = "How long to wait, e.g. 00:10:00.", UIHint = InputUIHints.SingleLine, DefaultValue = "00:01:00")]
    public Input<TimeSpan> TimeSpan { get; } = new();

    public override ValueTask ExecuteAsync(ActivityExecutionContext context)
    {
        var span = context.Get(TimeSpan);
        if (span <= System.TimeSpan.Zero)
        {
            context.Complete();
            return ValueTask.CompletedTask;
        }
        var resumeAt = context.Now + span;
        context.CreateBookmark(BookmarkName, new Dictionary<string, object?> { ["resumeAt"] = resumeAt }, resumeAt);
        return ValueTask.CompletedTask;
    }
}
