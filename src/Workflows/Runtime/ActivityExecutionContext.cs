using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TicketGate.Workflows.Expressions;
using TicketGate.Workflows.Model;

namespace TicketGate.Workflows.Runtime;

/// <summary>
/// Everything one activity execution may see and do: its evaluated inputs, the instance's variables and input,
/// the journal, bookmarks, and completing with outcomes. Created per execution by the runtime.
/// </summary>
public sealed class ActivityExecutionContext
{
    private readonly WorkflowExecution execution;
    private readonly IReadOnlyDictionary<string, object?> inputs;
    private List<string>? outcomes;

    internal ActivityExecutionContext(WorkflowExecution execution, CompiledActivity activity, string activityInstanceId,
        IReadOnlyDictionary<string, object?> inputs, ActivityExecutionRecord record)
    {
        this.execution = execution;
        this.inputs = inputs;
        Activity = activity;
        ActivityInstanceId = activityInstanceId;
        Record = record;
    }

    public CompiledActivity Activity { get; }
    public Activity Node => Activity.Node;
    public string ActivityInstanceId { get; }
    public string WorkflowInstanceId => execution.Instance.Id;
    public string DefinitionId => execution.Instance.DefinitionId;
    public string? CorrelationId => execution.Instance.CorrelationId;
    public IServiceProvider Services => execution.Services;
    public CancellationToken CancellationToken => execution.CancellationToken;
    public DateTimeOffset Now => execution.Now;
    public IReadOnlyDictionary<string, object?> WorkflowInput => execution.Instance.Input;

    /// <summary>The inputs as evaluated for this execution, by descriptor name.</summary>
    public IReadOnlyDictionary<string, object?> Inputs => inputs;

    internal ActivityExecutionRecord Record { get; }
    internal bool IsCompleted => outcomes is not null;
    internal IReadOnlyList<string> Outcomes => outcomes ?? [];

    /// <summary>The typed value of an input; default when it has none.</summary>
    public T? Get<T>(Input<T> input) => WorkflowTypes.ConvertTo<T>(inputs.GetValueOrDefault(input.Name));

    public object? GetInput(string name) => inputs.GetValueOrDefault(name);

    /// <summary>Evaluates an expression the activity compiled itself in <see cref="WorkflowActivity.Compile"/>.</summary>
    public ValueTask<object?> EvaluateAsync(string key) =>
        Activity.Expressions.TryGetValue(key, out var expression)
            ? expression.EvaluateAsync(execution)
            : throw new InvalidOperationException($"Activity '{Activity.Id}' has no compiled expression '{key}'.");

    public object? GetVariable(string name) => execution.Instance.Variables.GetValueOrDefault(name);

    /// <summary>Sets a variable, converted to its declared type. Unknown names become untyped dynamic variables.</summary>
    public void SetVariable(string name, object? value) => execution.SetVariable(name, value);

    public void SetWorkflowOutput(string name, object? value) => execution.Instance.Output[name] = WorkflowTypes.Plain(value);

    /// <summary>Records an output; when the node binds it to a variable or workflow output, that is set too.</summary>
    public void Set<T>(Output<T> output, T value)
    {
        var plain = WorkflowTypes.Plain(value);
        Record.Outputs[output.Name] = plain;
        if (!Activity.OutputBindings.TryGetValue(output.Name, out var target)) return;
        if (execution.Workflow.Variables.ContainsKey(target)) SetVariable(target, plain);
        else execution.Instance.Output[target] = plain;
    }

    /// <summary>Adds a journal entry for this activity (event <c>Log</c>).</summary>
    public void Log(string message, object? payload = null) =>
        execution.Journal(Activity, ActivityInstanceId, "Log", message, WorkflowTypes.Plain(payload));

    /// <summary>
    /// Makes the activity wait. The bookmark is persisted with the instance; <paramref name="dueAt"/> makes it a timer
    /// the <see cref="IWorkflowScheduler"/> fires. An activity may hold several bookmarks (an approval and its deadline);
    /// when it completes, the ones left are removed.
    /// </summary>
    public Bookmark CreateBookmark(string name, object? payload = null, DateTimeOffset? dueAt = null, string? callbackMethodName = null)
    {
        JsonElement? payloadJson = payload is null ? null : JsonSerializer.SerializeToElement(WorkflowTypes.Plain(payload), WorkflowJson.Options);
        var bookmark = new Bookmark
        {
            Id = WorkflowIds.New(), WorkflowInstanceId = execution.Instance.Id, ActivityId = Activity.Id,
            ActivityNodeId = Activity.Node.NodeId, ActivityInstanceId = ActivityInstanceId, Name = name,
            Hash = BookmarkHash(name, payloadJson), Payload = payloadJson, DueAt = dueAt, CreatedAt = Now,
            CallbackMethodName = callbackMethodName,
        };
        execution.Instance.Bookmarks.Add(bookmark);
        return bookmark;
    }

    /// <summary>The bookmarks this activity execution still holds.</summary>
    public IReadOnlyList<Bookmark> Bookmarks
    {
        get
        {
            var result = new List<Bookmark>();
            foreach (var bookmark in execution.Instance.Bookmarks)
            {
                if (bookmark.ActivityInstanceId == ActivityInstanceId) result.Add(bookmark);
            }
            return result;
        }
    }

    /// <summary>Completes the activity; the flowchart follows the connections leaving these ports (<c>Done</c> when none given).</summary>
    public void Complete(params string[] outcomeNames)
    {
        outcomes = outcomeNames.Length == 0 ? [Endpoint.DonePort] : [.. outcomeNames];
    }

    /// <summary>
    /// SHA-256 over the stimulus name and the canonical JSON of its payload (object keys sorted), so the sender of an
    /// event can find waiting bookmarks by computing the same hash.
    /// </summary>
    public static string BookmarkHash(string name, JsonElement? payload)
    {
        var text = new StringBuilder(name).Append('\n');
        WorkflowJson.WriteCanonical(payload is { } element ? JsonNode.Parse(element.GetRawText()) : null, text);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>The hash of a stimulus with a payload given as plain values.</summary>
    public static string StimulusHash(string name, object? payload) =>
        BookmarkHash(name, payload is null ? null : JsonSerializer.SerializeToElement(WorkflowTypes.Plain(payload), WorkflowJson.Options));
}

/// <summary>Ids for instances, activity executions, bookmarks and journal entries: time-ordered, 32 hex characters.</summary>
public static class WorkflowIds
{
    public static string New() => Guid.CreateVersion7().ToString("N");
}
