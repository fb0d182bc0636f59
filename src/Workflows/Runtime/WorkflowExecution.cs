using TicketGate.Workflows.Definitions;
using TicketGate.Workflows.Expressions;

namespace TicketGate.Workflows.Runtime;

/// <summary>
/// One run of an instance, in memory: from its start node or a resumed bookmark until nothing is scheduled — the
/// flowchart finished, faulted, or every remaining path waits on a bookmark. Persisting is the runner's job.
/// </summary>
internal sealed class WorkflowExecution : IExpressionScope
{
    private readonly Queue<WorkItem> queue = new();
    private readonly FlowchartWalker walker;
    private readonly TimeProvider time;

    public WorkflowExecution(CompiledWorkflow workflow, WorkflowInstance instance, TimeProvider time, IServiceProvider services,
        CancellationToken cancellationToken)
    {
        Workflow = workflow;
        Instance = instance;
        Services = services;
        CancellationToken = cancellationToken;
        this.time = time;
        walker = new FlowchartWalker(workflow, instance.Flowchart);
    }

    public CompiledWorkflow Workflow { get; }
    public WorkflowInstance Instance { get; }
    public IServiceProvider Services { get; }
    public CancellationToken CancellationToken { get; }
    public DateTimeOffset Now => time.GetUtcNow();

    /// <summary>The incident that faulted the instance in this run, if any.</summary>
    public ActivityIncident? Fault { get; private set; }

    string IExpressionScope.WorkflowInstanceId => Instance.Id;
    string IExpressionScope.WorkflowDefinitionId => Instance.DefinitionId;
    string? IExpressionScope.CorrelationId => Instance.CorrelationId;
    IReadOnlyDictionary<string, object?> IExpressionScope.Variables => Instance.Variables;
    IReadOnlyDictionary<string, object?> IExpressionScope.Input => Instance.Input;

    public async Task StartAsync(string? triggerActivityId)
    {
        var start = Workflow.StartNode(triggerActivityId);
        if (start is null)
        {
            Settle();
            return;
        }
        walker.MarkStarted(start.Id);
        queue.Enqueue(new WorkItem(start, null, null));
        await DrainAsync();
    }

    public async Task ResumeAsync(Bookmark bookmark, object? payload)
    {
        Instance.Bookmarks.Remove(bookmark);
        var activity = Workflow.Find(bookmark.ActivityId);
        if (activity is null)
        {
            RecordFault(null, bookmark.ActivityId, "(unknown)", bookmark.ActivityInstanceId,
                $"the bookmark belongs to activity '{bookmark.ActivityId}', which this definition version doesn't have.", null);
            return;
        }
        queue.Enqueue(new WorkItem(activity, null, new ResumedBookmark(bookmark, payload)));
        await DrainAsync();
    }

    /// <summary>Cancels the instance: every wait is dropped and it ends as Finished/Cancelled.</summary>
    public void Cancel()
    {
        CancelWaits(null);
        queue.Clear();
        Instance.Status = WorkflowStatus.Finished;
        Instance.SubStatus = WorkflowSubStatus.Cancelled;
        Instance.FinishedAt = Now;
    }

    public void SetVariable(string name, object? value)
    {
        if (Workflow.Variables.TryGetValue(name, out var variable))
        {
            Instance.Variables[name] = WorkflowTypes.Coerce(value, WorkflowCompiler.VariableType(variable));
        }
        else
        {
            Instance.Variables[name] = WorkflowTypes.Plain(value);
        }
    }

    internal void Journal(CompiledActivity activity, string activityInstanceId, string eventName, string? message = null, object? payload = null) =>
        Instance.Journal.Add(new JournalEntry
        {
            Id = WorkflowIds.New(), ActivityInstanceId = activityInstanceId, ActivityId = activity.Id, ActivityType = activity.Type,
            ActivityTypeVersion = activity.Node.Version, ActivityName = activity.Node.Name, NodeId = activity.Node.NodeId,
            Timestamp = Now, Sequence = ++Instance.Flowchart.NextSequence, EventName = eventName, Message = message, Payload = payload,
        });

    private async Task DrainAsync()
    {
        Instance.Status = WorkflowStatus.Running;
        Instance.SubStatus = WorkflowSubStatus.Executing;
        while (queue.TryDequeue(out var item))
        {
            CancellationToken.ThrowIfCancellationRequested();
            await RunAsync(item);
            if (Instance.IsFinished) return;
        }
        Settle();
    }

    private void Settle()
    {
        if (Instance.IsFinished) return;
        if (Instance.Bookmarks.Count > 0)
        {
            Instance.Status = WorkflowStatus.Running;
            Instance.SubStatus = WorkflowSubStatus.Suspended;
            return;
        }
        Instance.Status = WorkflowStatus.Finished;
        Instance.SubStatus = WorkflowSubStatus.Finished;
        Instance.FinishedAt = Now;
    }

    private async Task RunAsync(WorkItem item)
    {
        var activity = item.Activity;
        ActivityExecutionRecord record;
        if (item.Resume is { } resume)
        {
            record = FindRecord(resume.Bookmark.ActivityInstanceId) ?? NewRecord(activity, resume.Bookmark.ActivityInstanceId, null);
            record.Status = ActivityStatus.Running;
            Journal(activity, record.Id, "Resumed", payload: resume.Payload);
        }
        else
        {
            record = NewRecord(activity, WorkflowIds.New(), item.ScheduledBy);
            Journal(activity, record.Id, "Started");
        }

        ActivityExecutionContext context;
        try
        {
            var inputs = await EvaluateInputsAsync(activity);
            record.ActivityState = inputs;
            context = new ActivityExecutionContext(this, activity, record.Id, inputs, record);
            if (item.Resume is { } resumed) await activity.Registered.Activity.ResumeAsync(context, resumed);
            else await activity.Registered.Activity.ExecuteAsync(context);
        }
        catch (OperationCanceledException) when (CancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            RecordFault(record, activity.Id, activity.Type, record.Id, e.Message, e);
            return;
        }

        if (context.IsCompleted)
        {
            CompleteActivity(activity, record, context.Outcomes);
            return;
        }
        if (context.Bookmarks.Count == 0)
        {
            RecordFault(record, activity.Id, activity.Type, record.Id,
                "the activity neither completed nor created a bookmark to wait on; it can never continue.", null);
            return;
        }
        record.HasBookmarks = true;
        Journal(activity, record.Id, "Suspended");
    }

    private void CompleteActivity(CompiledActivity activity, ActivityExecutionRecord record, IReadOnlyList<string> outcomes)
    {
        record.Status = ActivityStatus.Completed;
        record.CompletedAt = Now;
        record.Outcomes = [.. outcomes];
        record.HasBookmarks = false;
        Instance.Bookmarks.RemoveAll(b => b.ActivityInstanceId == record.Id);
        Journal(activity, record.Id, "Completed", payload: new Dictionary<string, object?> { ["outcomes"] = record.Outcomes.ToArray() });

        if (activity.Descriptor.IsTerminal)
        {
            CancelWaits(null);
            queue.Clear();
            Instance.Status = WorkflowStatus.Finished;
            Instance.SubStatus = WorkflowSubStatus.Finished;
            Instance.FinishedAt = Now;
            return;
        }
        Propagate(activity.Id, outcomes);
    }

    private void Propagate(string nodeId, IReadOnlyList<string>? outcomes)
    {
        var run = new List<(string Target, string Source)>();
        var cancelAncestorsOf = new List<string>();
        walker.Complete(nodeId, outcomes, run, cancelAncestorsOf);
        foreach (var (target, source) in run)
        {
            if (Workflow.Find(target) is { } next) queue.Enqueue(new WorkItem(next, source, null));
        }
        foreach (var join in cancelAncestorsOf) CancelWaits(Workflow.Graph.Ancestors(join));
    }

    /// <summary>Drops the waits (and queued runs) of the given nodes, or of every node when null; cancelled nodes count as dead paths.</summary>
    private void CancelWaits(IReadOnlySet<string>? nodes)
    {
        var cancelled = new List<string>();
        foreach (var record in Instance.ActivityExecutions)
        {
            if (!record.HasBookmarks || record.Status != ActivityStatus.Running) continue;
            if (nodes is not null && !nodes.Contains(record.ActivityId)) continue;
            record.Status = ActivityStatus.Canceled;
            record.HasBookmarks = false;
            record.CompletedAt = Now;
            Instance.Bookmarks.RemoveAll(b => b.ActivityInstanceId == record.Id);
            if (Workflow.Find(record.ActivityId) is { } activity) Journal(activity, record.Id, "Canceled");
            cancelled.Add(record.ActivityId);
        }
        if (nodes is null)
        {
            Instance.Bookmarks.Clear();
            return;
        }
        var kept = queue.Count;
        for (var i = 0; i < kept; i++)
        {
            var item = queue.Dequeue();
            if (nodes.Contains(item.Activity.Id) && item.Resume is null) cancelled.Add(item.Activity.Id);
            else queue.Enqueue(item);
        }
        foreach (var nodeId in cancelled) Propagate(nodeId, null);
    }

    private async Task<Dictionary<string, object?>> EvaluateInputsAsync(CompiledActivity activity)
    {
        var values = new Dictionary<string, object?>(activity.Inputs.Count, StringComparer.Ordinal);
        foreach (var input in activity.Inputs)
        {
            if (input.Expression is null)
            {
                values[input.Descriptor.Name] = input.Value;
                continue;
            }
            try
            {
                values[input.Descriptor.Name] = await input.Expression.EvaluateAsync(this);
            }
            catch (ExpressionEvaluationException e)
            {
                throw new ExpressionEvaluationException($"input '{input.Descriptor.Name}': {e.Message}", e);
            }
        }
        return values;
    }

    private void RecordFault(ActivityExecutionRecord? record, string activityId, string activityType, string activityInstanceId, string message, Exception? exception)
    {
        var incident = new ActivityIncident(activityId, record?.ActivityNodeId, activityType,
            $"Activity '{activityId}' ({activityType}) failed: {message}", exception?.ToString(), Now);
        Instance.Incidents.Add(incident);
        Fault = incident;
        if (record is not null)
        {
            record.Status = ActivityStatus.Faulted;
            record.Exception = exception?.ToString() ?? message;
            record.CompletedAt = Now;
            record.HasBookmarks = false;
        }
        if (Workflow.Find(activityId) is { } activity) Journal(activity, activityInstanceId, "Faulted", incident.Message);
        // Default incident strategy "fault": the instance stops and nothing it waited on may resume it.
        CancelWaits(null);
        queue.Clear();
        Instance.Status = WorkflowStatus.Finished;
        Instance.SubStatus = WorkflowSubStatus.Faulted;
        Instance.FinishedAt = Now;
    }

    private ActivityExecutionRecord NewRecord(CompiledActivity activity, string id, string? scheduledBy)
    {
        var record = new ActivityExecutionRecord
        {
            Id = id, ActivityId = activity.Id, ActivityNodeId = activity.Node.NodeId, ActivityType = activity.Type,
            ActivityTypeVersion = activity.Node.Version, ActivityName = activity.Node.Name, StartedAt = Now,
            SchedulingActivityId = scheduledBy,
        };
        Instance.ActivityExecutions.Add(record);
        return record;
    }

    private ActivityExecutionRecord? FindRecord(string id)
    {
        for (var i = Instance.ActivityExecutions.Count - 1; i >= 0; i--)
        {
            if (Instance.ActivityExecutions[i].Id == id) return Instance.ActivityExecutions[i];
        }
        return null;
    }

    private sealed record WorkItem(CompiledActivity Activity, string? ScheduledBy, ResumedBookmark? Resume);
}
