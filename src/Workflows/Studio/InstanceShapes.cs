using System.Text.Json;
using System.Text.Json.Nodes;
using TicketGate.Workflows.Model;
using TicketGate.Workflows.Runtime;

namespace TicketGate.Workflows.Studio;

/// <summary>The Studio's views of instances, journal entries and activity executions (contract §2.5, §6).</summary>
public static class InstanceShapes
{
    public const string RootSuffix = ":root";

    public static JsonObject Summary(InstanceSummary instance) => new()
    {
        ["id"] = instance.Id,
        ["definitionId"] = instance.DefinitionId,
        ["definitionVersionId"] = instance.DefinitionVersionId,
        ["version"] = instance.Version,
        ["status"] = instance.Status.ToString(),
        ["subStatus"] = instance.SubStatus.ToString(),
        ["correlationId"] = instance.CorrelationId,
        ["name"] = instance.Name,
        ["incidentCount"] = instance.IncidentCount,
        ["isSystem"] = false,
        ["createdAt"] = instance.CreatedAt,
        ["updatedAt"] = instance.UpdatedAt,
        ["finishedAt"] = instance.FinishedAt,
    };

    /// <summary>The instance with its <c>workflowState</c>: the viewer reads the execution contexts, the details pane dumps the rest.</summary>
    public static JsonObject Instance(WorkflowInstance instance, string? rootNodeId)
    {
        var contexts = new JsonArray();
        if (rootNodeId is not null)
        {
            contexts.Add(Context(instance.Id + RootSuffix, null, rootNodeId, null));
        }
        foreach (var bookmark in instance.Bookmarks)
        {
            contexts.Add(Context(bookmark.ActivityInstanceId, rootNodeId is null ? null : instance.Id + RootSuffix, bookmark.ActivityNodeId, rootNodeId));
        }
        var bookmarks = new JsonArray();
        foreach (var bookmark in instance.Bookmarks)
        {
            bookmarks.Add(new JsonObject
            {
                ["id"] = bookmark.Id,
                ["name"] = bookmark.Name,
                ["hash"] = bookmark.Hash,
                ["payload"] = Element(bookmark.Payload),
                ["activityId"] = bookmark.ActivityId,
                ["activityNodeId"] = bookmark.ActivityNodeId,
                ["activityInstanceId"] = bookmark.ActivityInstanceId,
                ["createdAt"] = bookmark.CreatedAt,
                ["autoBurn"] = bookmark.AutoBurn,
                ["callbackMethodName"] = bookmark.CallbackMethodName,
                ["metadata"] = bookmark.DueAt is { } due ? new JsonObject { ["dueAt"] = due } : null,
            });
        }
        var incidents = new JsonArray();
        foreach (var incident in instance.Incidents)
        {
            incidents.Add(new JsonObject
            {
                ["activityId"] = incident.ActivityId,
                ["activityNodeId"] = incident.ActivityNodeId,
                ["activityType"] = incident.ActivityType,
                ["message"] = incident.Message,
                ["exception"] = incident.Exception is null ? null : new JsonObject { ["message"] = incident.Exception },
                ["timestamp"] = incident.Timestamp,
            });
        }
        var state = new JsonObject
        {
            ["id"] = instance.Id,
            ["definitionId"] = instance.DefinitionId,
            ["definitionVersionId"] = instance.DefinitionVersionId,
            ["definitionVersion"] = instance.DefinitionVersion,
            ["correlationId"] = instance.CorrelationId,
            ["name"] = instance.Name,
            ["status"] = instance.Status.ToString(),
            ["subStatus"] = instance.SubStatus.ToString(),
            ["bookmarks"] = bookmarks,
            ["incidents"] = incidents,
            ["fault"] = null,
            ["completionCallbacks"] = new JsonArray(),
            ["activityExecutionContexts"] = contexts,
            ["input"] = Values(instance.Input),
            ["output"] = Values(instance.Output),
            ["properties"] = new JsonObject(),
            ["createdAt"] = instance.CreatedAt,
            ["updatedAt"] = instance.UpdatedAt,
            ["finishedAt"] = instance.FinishedAt,
        };
        return new JsonObject
        {
            ["id"] = instance.Id,
            ["definitionId"] = instance.DefinitionId,
            ["definitionVersionId"] = instance.DefinitionVersionId,
            ["version"] = instance.DefinitionVersion,
            ["status"] = instance.Status.ToString(),
            ["subStatus"] = instance.SubStatus.ToString(),
            ["correlationId"] = instance.CorrelationId,
            ["name"] = instance.Name,
            ["incidentCount"] = instance.Incidents.Count,
            ["isSystem"] = false,
            ["parentWorkflowInstanceId"] = null,
            ["workflowState"] = state,
            ["createdAt"] = instance.CreatedAt,
            ["updatedAt"] = instance.UpdatedAt,
            ["finishedAt"] = instance.FinishedAt,
        };
    }

    public static JsonObject JournalRecord(JournalEntry entry, ActivityExecutionRecord? execution) => new()
    {
        ["id"] = entry.Id,
        ["activityInstanceId"] = entry.ActivityInstanceId,
        ["parentActivityInstanceId"] = null,
        ["activityId"] = entry.ActivityId,
        ["activityType"] = entry.ActivityType,
        ["activityTypeVersion"] = entry.ActivityTypeVersion,
        ["activityName"] = entry.ActivityName,
        ["nodeId"] = entry.NodeId,
        ["timestamp"] = entry.Timestamp,
        ["sequence"] = entry.Sequence,
        ["eventName"] = entry.EventName,
        ["message"] = entry.Message,
        ["source"] = null,
        ["activityState"] = execution is null ? null : Values(execution.ActivityState),
        ["payload"] = Value(entry.Payload),
    };

    public static JsonObject Execution(ActivityExecutionRecord record, string instanceId)
    {
        var node = ExecutionSummary(record, instanceId);
        node["activityState"] = Values(record.ActivityState);
        node["payload"] = record.Outcomes.Count == 0 ? null : new JsonObject { ["outcomes"] = Strings(record.Outcomes) };
        node["outputs"] = Values(record.Outputs);
        node["properties"] = new JsonObject();
        node["exception"] = record.Exception is null ? null : new JsonObject { ["message"] = record.Exception };
        node["schedulingActivityExecutionId"] = null;
        node["schedulingActivityId"] = record.SchedulingActivityId;
        node["schedulingWorkflowInstanceId"] = null;
        node["callStackDepth"] = 0;
        return node;
    }

    public static JsonObject ExecutionSummary(ActivityExecutionRecord record, string instanceId) => new()
    {
        ["id"] = record.Id,
        ["workflowInstanceId"] = instanceId,
        ["activityId"] = record.ActivityId,
        ["activityNodeId"] = record.ActivityNodeId,
        ["activityType"] = record.ActivityType,
        ["activityTypeVersion"] = record.ActivityTypeVersion,
        ["activityName"] = record.ActivityName,
        ["metadata"] = new JsonObject(),
        ["startedAt"] = record.StartedAt,
        ["hasBookmarks"] = record.HasBookmarks,
        ["status"] = record.Status.ToString(),
        ["aggregateFaultCount"] = record.Status == ActivityStatus.Faulted ? 1 : 0,
        ["completedAt"] = record.CompletedAt,
    };

    /// <summary>The flowchart's own execution, derived from the instance: it runs from creation until the instance finishes.</summary>
    public static ActivityExecutionRecord RootRecord(WorkflowInstance instance, string rootNodeId) => new()
    {
        Id = instance.Id + RootSuffix,
        ActivityId = rootNodeId["Workflow1:".Length..],
        ActivityNodeId = rootNodeId,
        ActivityType = "Elsa.Flowchart",
        ActivityTypeVersion = 1,
        ActivityName = "Flowchart1",
        ActivityState = new Dictionary<string, object?>(instance.Input, StringComparer.Ordinal),
        Outputs = new Dictionary<string, object?>(instance.Output, StringComparer.Ordinal),
        StartedAt = instance.CreatedAt,
        CompletedAt = instance.FinishedAt,
        HasBookmarks = instance.Bookmarks.Count > 0,
        Status = instance.SubStatus switch
        {
            WorkflowSubStatus.Finished => ActivityStatus.Completed,
            WorkflowSubStatus.Faulted => ActivityStatus.Faulted,
            WorkflowSubStatus.Cancelled => ActivityStatus.Canceled,
            _ => ActivityStatus.Running,
        },
    };

    public static JsonNode? Value(object? value) => value switch
    {
        null => null,
        JsonElement element => Element(element),
        _ => JsonSerializer.SerializeToNode(value, WorkflowJson.Options),
    };

    private static JsonObject Values(IReadOnlyDictionary<string, object?> values)
    {
        var node = new JsonObject();
        foreach (var (name, value) in values) node[name] = Value(value);
        return node;
    }

    private static JsonNode? Element(JsonElement? element) =>
        element is { ValueKind: not (JsonValueKind.Undefined or JsonValueKind.Null) } e ? JsonNode.Parse(e.GetRawText()) : null;

    private static JsonArray Strings(IEnumerable<string> values)
    {
        var array = new JsonArray();
        foreach (var value in values) array.Add(value);
        return array;
    }

    private static JsonObject Context(string id, string? parentId, string? scheduledNodeId, string? ownerNodeId) => new()
    {
        ["id"] = id,
        ["parentContextId"] = parentId,
        ["scheduledActivityNodeId"] = scheduledNodeId,
        ["ownerActivityNodeId"] = ownerNodeId,
        ["properties"] = new JsonObject(),
        ["activityState"] = new JsonObject(),
        ["dynamicVariables"] = new JsonArray(),
    };
}
