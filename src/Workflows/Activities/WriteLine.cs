using Microsoft.Extensions.Logging;
using TicketGate.Workflows.Runtime;

namespace TicketGate.Workflows.Activities;

/// <summary><c>Elsa.WriteLine</c>: writes its text to the instance journal (there is no console in a gateway).</summary>
[Activity("Elsa", "WriteLine", Category = "Primitives", DisplayName = "Write line", Description = "Writes a line of text to the journal.")]
public sealed class WriteLine : WorkflowActivity
{
    [Input(Description = "The text to write.", UIHint = InputUIHints.SingleLine)]
    public Input<string> Text { get; } = new();

    public override ValueTask ExecuteAsync(ActivityExecutionContext context)
    {
        context.Log(context.Get(Text) ?? "");
        context.Complete();
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// <c>TicketGate.Log</c>: writes a message to the instance journal and to the gateway log at the chosen level,
/// so an admin sees workflow decisions next to the proxy's own lines.
/// </summary>
[Activity("TicketGate", "Log", Category = "Primitives", DisplayName = "Log", Description = "Writes a message to the journal and the gateway log.")]
public sealed class Log(ILogger<Log>? logger = null) : WorkflowActivity
{
    [Input(Description = "The message.", UIHint = InputUIHints.MultiLine, Required = true)]
    public Input<string> Message { get; } = new();

    [Input(Description = "The log level.", UIHint = InputUIHints.Dropdown, Options = ["Information", "Warning", "Error", "Debug"],
        DefaultValue = "Information")]
    public Input<string> Level { get; } = new();

    public override ValueTask ExecuteAsync(ActivityExecutionContext context)
    {
        var message = context.Get(Message) ?? "";
        var level = Enum.TryParse<LogLevel>(context.Get(Level), ignoreCase: true, out var parsed) ? parsed : LogLevel.Information;
        context.Log(message, new Dictionary<string, object?> { ["level"] = level.ToString() });
        logger?.Log(level, "Workflow {DefinitionId} instance {InstanceId}: {Message}", context.DefinitionId, context.WorkflowInstanceId, message);
        context.Complete();
        return ValueTask.CompletedTask;
    }
}
