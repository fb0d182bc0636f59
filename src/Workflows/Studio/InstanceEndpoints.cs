using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using TicketGate.Workflows.Approvals;
using TicketGate.Workflows.Runtime;

namespace TicketGate.Workflows.Studio;

/// <summary>Contract §2.1 #18–26, #31, #38–41: the instance list, the viewer's reads, cancelling and deleting.</summary>
internal static class InstanceEndpoints
{
    private static readonly Dictionary<string, string> OrderColumns = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Created"] = "created_at",
        ["LastExecuted"] = "updated_at",
        ["Finished"] = "finished_at",
        ["Name"] = "state->>'name'",
    };

    private static readonly Dictionary<string, string> TimestampColumns = new(StringComparer.OrdinalIgnoreCase)
    {
        ["CreatedAt"] = "created_at",
        ["UpdatedAt"] = "updated_at",
        ["FinishedAt"] = "finished_at",
    };

    private static readonly Dictionary<string, string> Operators = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Is"] = "=",
        ["IsNot"] = "<>",
        ["LessThan"] = "<",
        ["GreaterThan"] = ">",
        ["LessThanOrEqual"] = "<=",
        ["GreaterThanOrEqual"] = ">=",
    };

    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/workflow-instances", ListAsync);
        api.MapGet("/workflow-instances/{id}", GetAsync);
        api.MapPost("/workflow-instances/{id}/journal", JournalAsync);
        api.MapGet("/workflow-instances/{id}/execution-state", ExecutionStateAsync);
        api.MapGet("/workflow-instances/{id}/variables", VariablesAsync);
        api.MapPost("/activity-executions/report", ReportAsync);
        api.MapGet("/activity-executions/list", (HttpRequest request, StudioBackend backend, CancellationToken ct) => ExecutionsAsync(request, backend, summaries: false, ct));
        api.MapGet("/activity-execution-summaries/list", (HttpRequest request, StudioBackend backend, CancellationToken ct) => ExecutionsAsync(request, backend, summaries: true, ct));
        api.MapGet("/activity-executions/by-id", ExecutionByIdAsync);
        api.MapGet("/activity-executions/{id}/call-stack", CallStackAsync);
        api.MapDelete("/workflow-instances/{id}", DeleteAsync);
        api.MapPost("/bulk-actions/delete/workflow-instances/by-id", BulkDeleteAsync);
        api.MapPost("/cancel/workflow-instances/{id}", CancelAsync);
        api.MapPost("/bulk-actions/cancel/workflow-instances", BulkCancelAsync);
    }

    private static async Task<IResult> ListAsync(HttpRequest request, StudioBackend backend, CancellationToken ct)
    {
        JsonObject body;
        try
        {
            body = await StudioJson.ReadObjectAsync(request, ct) ?? [];
        }
        catch (JsonException e)
        {
            return StudioJson.BadRequest("Instances not listed", $"The filter is not valid JSON: {e.Message}");
        }
        var problems = new List<string>();
        var statuses = Enums<WorkflowStatus>(body, "status", "statuses", problems);
        var subStatuses = Enums<WorkflowSubStatus>(body, "subStatus", "subStatuses", problems);
        var definitionIds = StudioJson.Strings(body["definitionIds"]);
        if (StudioJson.String(body["definitionId"]) is { Length: > 0 } single) definitionIds.Add(single);
        var timestamps = new List<(string, string, DateTimeOffset)>();
        foreach (var item in body["timestampFilters"] as JsonArray ?? [])
        {
            var column = StudioJson.String(item?["column"]);
            var op = StudioJson.String(item?["operator"]);
            if (column is null || !TimestampColumns.TryGetValue(column, out var sqlColumn)) problems.Add($"timestamp filter column '{column}' is not CreatedAt, UpdatedAt or FinishedAt.");
            else if (op is null || !Operators.TryGetValue(op, out var sqlOp)) problems.Add($"timestamp filter operator '{op}' is not known.");
            else if (item?["timestamp"] is not JsonValue value || !value.TryGetValue<DateTimeOffset>(out var at)) problems.Add("a timestamp filter has no ISO-8601 timestamp.");
            else timestamps.Add((sqlColumn, sqlOp, at));
        }
        var orderBy = StudioJson.String(body["orderBy"]);
        var orderColumn = "created_at";
        if (orderBy is { Length: > 0 } && !OrderColumns.TryGetValue(orderBy, out orderColumn!)) problems.Add($"orderBy '{orderBy}' is not Created, LastExecuted, Finished or Name.");
        if (problems.Count > 0) return StudioJson.BadRequest("Instances not listed", problems);

        var filter = new InstanceFilter
        {
            Page = Math.Max(0, Int(body["page"]) ?? 0),
            PageSize = Math.Clamp(Int(body["pageSize"]) ?? 10, 1, 1000),
            SearchTerm = StudioJson.String(body["searchTerm"]),
            DefinitionIds = definitionIds,
            CorrelationId = StudioJson.String(body["correlationId"]),
            Version = Int(body["version"]),
            HasIncidents = body["hasIncidents"] is JsonValue flag && flag.TryGetValue<bool>(out var incidents) ? incidents : null,
            Statuses = statuses,
            SubStatuses = subStatuses,
            Timestamps = timestamps,
            OrderColumn = orderColumn,
            Descending = !string.Equals(StudioJson.String(body["orderDirection"]), "Ascending", StringComparison.OrdinalIgnoreCase),
        };
        // The Studio hides system workflows by default; TicketGate has none.
        if (body["isSystem"] is JsonValue system && system.TryGetValue<bool>(out var isSystem) && isSystem)
        {
            return StudioJson.Ok(new JsonObject { ["items"] = new JsonArray(), ["totalCount"] = 0 });
        }
        var (items, total) = await backend.InstanceQueries.ListAsync(filter, ct);
        var array = new JsonArray();
        foreach (var item in items) array.Add(InstanceShapes.Summary(item));
        return StudioJson.Ok(new JsonObject { ["items"] = array, ["totalCount"] = total });
    }

    private static async Task<IResult> GetAsync(string id, StudioBackend backend, CancellationToken ct)
    {
        if (await backend.Instances.FindAsync(id, ct) is not { } instance) return StudioJson.NotFound($"There is no workflow instance '{id}'.");
        return StudioJson.Ok(InstanceShapes.Instance(instance, await RootNodeIdAsync(backend, instance, ct)));
    }

    private static async Task<IResult> JournalAsync(string id, HttpRequest request, StudioBackend backend, CancellationToken ct)
    {
        if (await backend.Instances.FindAsync(id, ct) is not { } instance) return StudioJson.NotFound($"There is no workflow instance '{id}'.");
        var filter = (await StudioJson.ReadObjectAsync(request, ct))?["filter"];
        var nodeIds = StudioJson.Strings(filter?["activityNodeIds"]);
        var activityIds = StudioJson.Strings(filter?["activityIds"]);
        var excludedTypes = StudioJson.Strings(filter?["excludedActivityTypes"]);
        var eventNames = StudioJson.Strings(filter?["eventNames"]);
        var skip = Math.Max(0, StudioJson.QueryInt(request, "skip") ?? 0);
        var take = Math.Clamp(StudioJson.QueryInt(request, "take") ?? 100, 0, 10_000);

        var records = new Dictionary<string, ActivityExecutionRecord>(StringComparer.Ordinal);
        foreach (var record in instance.ActivityExecutions) records[record.Id] = record;
        var matching = new List<JournalEntry>();
        foreach (var entry in instance.Journal)
        {
            if (nodeIds.Count > 0 && (entry.NodeId is null || !nodeIds.Contains(entry.NodeId))) continue;
            if (activityIds.Count > 0 && !activityIds.Contains(entry.ActivityId)) continue;
            if (excludedTypes.Contains(entry.ActivityType)) continue;
            if (eventNames.Count > 0 && !eventNames.Exists(name => string.Equals(name, entry.EventName, StringComparison.OrdinalIgnoreCase))) continue;
            matching.Add(entry);
        }
        matching.Sort((a, b) => a.Sequence.CompareTo(b.Sequence));
        var items = new JsonArray();
        for (var i = skip; i < matching.Count && i < skip + take; i++)
        {
            items.Add(InstanceShapes.JournalRecord(matching[i], records.GetValueOrDefault(matching[i].ActivityInstanceId)));
        }
        return StudioJson.Ok(new JsonObject { ["items"] = items, ["totalCount"] = matching.Count });
    }

    private static async Task<IResult> ExecutionStateAsync(string id, StudioBackend backend, CancellationToken ct)
    {
        if (await backend.Instances.FindAsync(id, ct) is not { } instance) return StudioJson.NotFound($"There is no workflow instance '{id}'.");
        return StudioJson.Ok(new JsonObject
        {
            ["id"] = instance.Id,
            ["status"] = instance.Status.ToString(),
            ["subStatus"] = instance.SubStatus.ToString(),
            ["workflowSubStatus"] = instance.SubStatus.ToString(),
            ["updatedAt"] = instance.UpdatedAt,
        });
    }

    private static async Task<IResult> VariablesAsync(string id, StudioBackend backend, CancellationToken ct)
    {
        if (await backend.Instances.FindAsync(id, ct) is not { } instance) return StudioJson.NotFound($"There is no workflow instance '{id}'.");
        var declared = (await backend.Catalog.Store.FindVersionAsync(instance.DefinitionVersionId, ct))?.Definition.Variables ?? [];
        var items = new JsonArray();
        foreach (var (name, value) in instance.Variables)
        {
            var variableId = declared.Find(v => v.Name == name)?.Id ?? name;
            items.Add(new JsonObject { ["id"] = variableId, ["name"] = name, ["value"] = InstanceShapes.Value(value) });
        }
        return StudioJson.Ok(StudioJson.ListResponse(items));
    }

    private static async Task<IResult> ReportAsync(HttpRequest request, StudioBackend backend, CancellationToken ct)
    {
        var body = await StudioJson.ReadObjectAsync(request, ct);
        var instanceId = StudioJson.String(body?["workflowInstanceId"]);
        var stats = new JsonArray();
        if (instanceId is null || await backend.Instances.FindAsync(instanceId, ct) is not { } instance)
        {
            return StudioJson.Ok(new JsonObject { ["stats"] = stats });
        }
        foreach (var nodeId in StudioJson.Strings(body?["activityNodeIds"]))
        {
            int started = 0, completed = 0;
            bool blocked = false, faulted = false;
            string? activityId = null;
            foreach (var record in instance.ActivityExecutions)
            {
                if (record.ActivityNodeId != nodeId) continue;
                activityId = record.ActivityId;
                started++;
                if (record.CompletedAt is not null) completed++;
                blocked |= record.HasBookmarks && record.CompletedAt is null;
                faulted |= record.Status == ActivityStatus.Faulted;
            }
            if (started == 0) continue;
            stats.Add(new JsonObject
            {
                ["activityId"] = activityId,
                ["activityNodeId"] = nodeId,
                ["startedCount"] = started,
                ["completedCount"] = completed,
                ["uncompletedCount"] = started - completed,
                ["isBlocked"] = blocked,
                ["isFaulted"] = faulted,
                ["metadata"] = null,
            });
        }
        return StudioJson.Ok(new JsonObject { ["stats"] = stats });
    }

    private static async Task<IResult> ExecutionsAsync(HttpRequest request, StudioBackend backend, bool summaries, CancellationToken ct)
    {
        var items = new JsonArray();
        var instanceId = StudioJson.Query(request, "WorkflowInstanceId");
        if (instanceId is null || await backend.Instances.FindAsync(instanceId, ct) is not { } instance) return StudioJson.Ok(StudioJson.ListResponse(items));
        var nodeId = StudioJson.Query(request, "ActivityNodeId");
        var completed = StudioJson.QueryBool(request, "Completed");
        foreach (var record in await RecordsAsync(backend, instance, ct))
        {
            if (nodeId is not null && record.ActivityNodeId != nodeId) continue;
            if (completed is { } wanted && (record.CompletedAt is not null) != wanted) continue;
            items.Add(summaries ? InstanceShapes.ExecutionSummary(record, instance.Id) : InstanceShapes.Execution(record, instance.Id));
        }
        return StudioJson.Ok(StudioJson.ListResponse(items));
    }

    private static async Task<IResult> ExecutionByIdAsync(HttpRequest request, StudioBackend backend, CancellationToken ct)
    {
        var id = StudioJson.Query(request, "id");
        var (instance, record) = await FindExecutionAsync(backend, id, ct);
        return record is null
            ? StudioJson.NotFound($"There is no activity execution '{id}'.")
            : StudioJson.Ok(InstanceShapes.Execution(record, instance!.Id));
    }

    private static async Task<IResult> CallStackAsync(string id, StudioBackend backend, CancellationToken ct)
    {
        var (instance, record) = await FindExecutionAsync(backend, id, ct);
        if (record is null) return StudioJson.NotFound($"There is no activity execution '{id}'.");
        var items = new JsonArray { InstanceShapes.Execution(record, instance!.Id) };
        return StudioJson.Ok(new JsonObject { ["activityExecutionId"] = id, ["items"] = items, ["totalCount"] = 1 });
    }

    private static async Task<IResult> DeleteAsync(string id, StudioBackend backend, CancellationToken ct)
    {
        if (await backend.Instances.FindAsync(id, ct) is not { } instance) return StudioJson.NotFound($"There is no workflow instance '{id}'.");
        if (!instance.IsFinished)
        {
            return StudioJson.BadRequest("Not deleted", $"Workflow instance '{id}' is still running (it may hold a command); cancel it first.");
        }
        await backend.InstanceQueries.DeleteFinishedAsync([id], ct);
        return Results.NoContent();
    }

    private static async Task<IResult> BulkDeleteAsync(HttpRequest request, StudioBackend backend, CancellationToken ct)
    {
        var ids = StudioJson.Strings((await StudioJson.ReadObjectAsync(request, ct))?["ids"]);
        return StudioJson.Ok(new JsonObject { ["deleted"] = await backend.InstanceQueries.DeleteFinishedAsync(ids, ct) });
    }

    private static async Task<IResult> CancelAsync(string id, StudioBackend backend, CancellationToken ct)
    {
        if (await backend.Instances.FindAsync(id, ct) is null) return StudioJson.NotFound($"There is no workflow instance '{id}'.");
        await CancelOneAsync(backend, id, ct);
        return Results.Ok();
    }

    private static async Task<IResult> BulkCancelAsync(HttpRequest request, StudioBackend backend, CancellationToken ct)
    {
        var body = await StudioJson.ReadObjectAsync(request, ct);
        var ids = StudioJson.Strings(body?["ids"]);
        var definitionId = StudioJson.String(body?["definitionId"]);
        var versionId = StudioJson.String(body?["definitionVersionId"]);
        if (ids.Count == 0 && (definitionId is not null || versionId is not null))
        {
            ids = [.. await backend.InstanceQueries.RunningIdsAsync(definitionId, versionId, ct)];
        }
        var cancelled = 0;
        foreach (var id in ids)
        {
            if (await CancelOneAsync(backend, id, ct)) cancelled++;
        }
        return StudioJson.Ok(new JsonObject { ["cancelled"] = cancelled });
    }

    /// <summary>
    /// A cancelled instance decides nothing, so the command it holds would wait forever: it is denied first, with a reason
    /// the agent sees, then the instance is cancelled.
    /// </summary>
    private static async Task<bool> CancelOneAsync(StudioBackend backend, string id, CancellationToken ct)
    {
        if (await backend.Instances.FindAsync(id, ct) is not { IsFinished: false } instance) return false;
        if (ApprovalWorkflowInput.RequestIdOf(instance.Input) is { } requestId)
        {
            try
            {
                var (applied, current) = await backend.Requests.TryDecideAsync(new ApprovalDecision
                {
                    RequestId = requestId,
                    Status = ApprovalStatus.Rejected,
                    Reason = $"an administrator cancelled the approval workflow '{instance.DefinitionId}' in the Studio",
                }, ct);
                if (applied) await backend.Decisions.PublishAsync(current.Decision!, ct);
                StudioLog.CancelledHeld(backend.Logger, id, requestId);
            }
            catch (KeyNotFoundException)
            {
                // Started by hand with a request id that was never held: nobody waits.
            }
        }
        return await backend.Runner.CancelAsync(id, ct);
    }

    /// <summary>The runtime's records plus one for the flowchart itself, which the details pane asks for by the root's node id.</summary>
    private static async Task<List<ActivityExecutionRecord>> RecordsAsync(StudioBackend backend, WorkflowInstance instance, CancellationToken ct)
    {
        var records = new List<ActivityExecutionRecord>(instance.ActivityExecutions.Count + 1);
        if (await RootNodeIdAsync(backend, instance, ct) is { } rootNodeId) records.Add(InstanceShapes.RootRecord(instance, rootNodeId));
        records.AddRange(instance.ActivityExecutions);
        return records;
    }

    private static async Task<(WorkflowInstance?, ActivityExecutionRecord?)> FindExecutionAsync(StudioBackend backend, string? id, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(id)) return (null, null);
        // Record ids start with their instance's id when the instance is the root ("<instance>:root"); otherwise search by the runtime's id.
        var instanceId = id.EndsWith(InstanceShapes.RootSuffix, StringComparison.Ordinal) ? id[..^InstanceShapes.RootSuffix.Length] : null;
        if (instanceId is not null && await backend.Instances.FindAsync(instanceId, ct) is { } owner)
        {
            foreach (var record in await RecordsAsync(backend, owner, ct))
            {
                if (record.Id == id) return (owner, record);
            }
        }
        if (await backend.InstanceQueries.FindByExecutionIdAsync(id, ct) is { } holder && await backend.Instances.FindAsync(holder, ct) is { } instance)
        {
            foreach (var record in instance.ActivityExecutions)
            {
                if (record.Id == id) return (instance, record);
            }
        }
        return (null, null);
    }

    private static async Task<string?> RootNodeIdAsync(StudioBackend backend, WorkflowInstance instance, CancellationToken ct) =>
        (await backend.Catalog.Store.FindVersionAsync(instance.DefinitionVersionId, ct))?.Definition.Root?.Id is { } rootId ? "Workflow1:" + rootId : null;

    private static List<T> Enums<T>(JsonObject body, string single, string plural, List<string> problems) where T : struct, Enum
    {
        var names = StudioJson.Strings(body[plural]);
        if (StudioJson.String(body[single]) is { Length: > 0 } one) names.Add(one);
        var values = new List<T>();
        foreach (var name in names)
        {
            if (Enum.TryParse<T>(name, ignoreCase: true, out var value) && Enum.IsDefined(value)) values.Add(value);
            else problems.Add($"'{name}' is not a {typeof(T).Name}; use one of {string.Join(", ", Enum.GetNames<T>())}.");
        }
        return values;
    }

    private static int? Int(JsonNode? node) => node is JsonValue value && value.TryGetValue<int>(out var number) ? number : null;
}
