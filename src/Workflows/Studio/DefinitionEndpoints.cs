using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using TicketGate.Workflows.Definitions;
using TicketGate.Workflows.Expressions;
using TicketGate.Workflows.Model;
using TicketGate.Workflows.Runtime;

namespace TicketGate.Workflows.Studio;

/// <summary>Contract §2.1 #1–8, #29, #32–37: listing, saving, publishing, retracting, deleting and running definitions.</summary>
internal static class DefinitionEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/workflow-definitions", ListAsync);
        api.MapGet("/workflow-definitions/by-definition-id/{definitionId}", ByDefinitionIdAsync);
        api.MapGet("/workflow-definitions/by-id/{versionId}", ByIdAsync);
        api.MapGet("/workflow-definitions/validation/is-name-unique", IsNameUniqueAsync);
        api.MapPost("/workflow-definitions", SaveAsync);
        api.MapPost("/workflow-definitions/{definitionId}/publish", PublishAsync);
        api.MapPost("/workflow-definitions/{definitionId}/retract", RetractAsync);
        api.MapDelete("/workflow-definitions/{definitionId}", DeleteAsync);
        api.MapPost("/workflow-definitions/{definitionId}/revert/{version:int}", RevertAsync);
        api.MapDelete("/workflow-definition-versions/{versionId}", DeleteVersionAsync);
        api.MapPost("/workflow-definitions/{definitionId}/execute", ExecuteAsync);
        api.MapPost("/bulk-actions/delete/workflow-definitions/by-definition-id", BulkDeleteAsync);
        api.MapPost("/bulk-actions/delete/workflow-definitions/by-id", BulkDeleteVersionsAsync);
        api.MapPost("/bulk-actions/publish/workflow-definitions/by-definition-ids", BulkPublishAsync);
        api.MapPost("/bulk-actions/retract/workflow-definitions/by-definition-ids", BulkRetractAsync);
    }

    private static async Task<IResult> ListAsync(HttpRequest request, StudioBackend backend, CancellationToken ct)
    {
        if (!VersionOptions.TryParse(StudioJson.Query(request, "versionOptions"), VersionOptions.Any, out var versions))
        {
            return StudioJson.BadRequest("Unknown version option",
                "versionOptions must be Latest, Published, LatestOrPublished, LatestAndPublished, Draft, AllVersions or a version number.");
        }
        var definitionIds = StudioJson.QueryList(request, "DefinitionIds");
        var ids = StudioJson.QueryList(request, "Ids");
        var search = StudioJson.Query(request, "SearchTerm")?.Trim();
        var systemOnly = StudioJson.QueryBool(request, "IsSystem") == true;

        var rows = new List<WorkflowDefinition>();
        foreach (var stored in await backend.Catalog.Store.ListAllAsync(ct))
        {
            var definition = stored.Definition;
            if (systemOnly || !versions.Matches(definition)) continue;
            if (definitionIds.Count > 0 && !definitionIds.Contains(definition.DefinitionId!)) continue;
            if (ids.Count > 0 && !ids.Contains(definition.Id!)) continue;
            if (!string.IsNullOrEmpty(search) && !Contains(definition.Name, search) && !Contains(definition.Description, search) &&
                !Contains(definition.DefinitionId, search)) continue;
            rows.Add(definition);
        }
        var descending = string.Equals(StudioJson.Query(request, "OrderDirection"), "Descending", StringComparison.OrdinalIgnoreCase);
        Comparison<WorkflowDefinition> order = StudioJson.Query(request, "OrderBy")?.ToLowerInvariant() switch
        {
            "name" => (a, b) => StringComparer.OrdinalIgnoreCase.Compare(a.Name, b.Name),
            "version" => (a, b) => a.Version.CompareTo(b.Version),
            _ => (a, b) => a.CreatedAt.CompareTo(b.CreatedAt),
        };
        rows.Sort((a, b) =>
        {
            var byOrder = descending ? order(b, a) : order(a, b);
            return byOrder != 0 ? byOrder : string.CompareOrdinal(a.Id, b.Id);
        });

        var total = rows.Count;
        var page = StudioJson.QueryInt(request, "Page");
        var pageSize = StudioJson.QueryInt(request, "PageSize");
        IEnumerable<WorkflowDefinition> visible = rows;
        if (page is { } p && pageSize is { } size && size > 0) visible = rows.Skip(Math.Max(0, p) * size).Take(size);

        var items = new JsonArray();
        foreach (var definition in visible) items.Add(DefinitionShapes.Summary(definition));
        return StudioJson.Ok(new JsonObject { ["items"] = items, ["totalCount"] = total, ["links"] = DefinitionShapes.ListLinks() });
    }

    private static async Task<IResult> ByDefinitionIdAsync(string definitionId, HttpRequest request, StudioBackend backend, CancellationToken ct)
    {
        if (!VersionOptions.TryParse(StudioJson.Query(request, "versionOptions"), VersionOptions.Latest, out var versions))
        {
            return StudioJson.BadRequest("Unknown version option", "versionOptions must be Latest, Published, LatestOrPublished, Draft, AllVersions or a number.");
        }
        var found = await FindAsync(backend, definitionId, versions, ct);
        return found is null
            ? StudioJson.NotFound($"There is no workflow definition '{definitionId}' with version option {versions.Kind}.")
            : StudioJson.Ok(DefinitionShapes.Definition(WithNodeIds(found.Definition)));
    }

    private static async Task<IResult> ByIdAsync(string versionId, StudioBackend backend, CancellationToken ct)
    {
        var stored = await backend.Catalog.Store.FindVersionAsync(versionId, ct);
        return stored is null
            ? StudioJson.NotFound($"There is no workflow definition version '{versionId}'.")
            : StudioJson.Ok(DefinitionShapes.Definition(WithNodeIds(stored.Definition)));
    }

    private static async Task<IResult> IsNameUniqueAsync(HttpRequest request, StudioBackend backend, CancellationToken ct)
    {
        var name = StudioJson.Query(request, "name")?.Trim() ?? "";
        var definitionId = StudioJson.Query(request, "definitionId");
        var unique = true;
        foreach (var stored in await backend.Catalog.Store.ListAllAsync(ct))
        {
            var definition = stored.Definition;
            if (!definition.IsLatest || definition.DefinitionId == definitionId) continue;
            if (string.Equals(definition.Name?.Trim(), name, StringComparison.OrdinalIgnoreCase)) unique = false;
        }
        return StudioJson.Ok(new JsonObject { ["isUnique"] = unique });
    }

    private static async Task<IResult> SaveAsync(HttpRequest request, StudioBackend backend, CancellationToken ct)
    {
        WorkflowDefinition model;
        bool publish;
        try
        {
            var body = await StudioJson.ReadObjectAsync(request, ct);
            if (body?["model"] is not JsonObject modelNode) return StudioJson.BadRequest("Workflow not saved", "The request has no 'model' object.");
            model = modelNode.Deserialize<WorkflowDefinition>(WorkflowJson.Options)!;
            publish = body["publish"] is JsonValue flag && flag.TryGetValue<bool>(out var yes) && yes;
        }
        catch (JsonException e)
        {
            return StudioJson.BadRequest("Workflow not saved", $"The workflow definition is not valid JSON for TicketGate: {e.Message}");
        }
        if (string.IsNullOrWhiteSpace(model.Name)) return StudioJson.BadRequest("Workflow not saved", "The workflow needs a name.");

        backend.Intake.Normalise(model);
        var blocking = backend.Intake.BlockingProblems(model);
        if (blocking.Count > 0)
        {
            StudioLog.SaveRefused(backend.Logger, model.DefinitionId ?? "(new)", string.Join(" | ", blocking));
            return StudioJson.BadRequest("Workflow not saved", blocking);
        }

        var latest = model.DefinitionId is { } existing ? await backend.Catalog.Store.FindLatestAsync(existing, ct) : null;
        StoredWorkflowDefinition saved;
        if (latest is { Definition.IsPublished: true } && latest.ContentHash == WorkflowJson.ContentHash(model))
        {
            saved = latest; // Nothing changed since it was published: no new draft.
        }
        else
        {
            saved = await backend.Catalog.SaveDraftAsync(model, ct);
        }
        var problems = backend.Intake.DesignProblems(saved.Definition);
        var alreadyPublished = false;
        if (publish)
        {
            if (problems.Count > 0) return StudioJson.BadRequest("Saved, but not published: the workflow has problems", Messages(problems));
            try
            {
                var (published, already) = await backend.Catalog.PublishAsync(saved.Definition.DefinitionId!, ct);
                saved = published;
                alreadyPublished = already;
                StudioLog.Published(backend.Logger, saved.Definition.DefinitionId!, saved.Definition.Version);
            }
            catch (WorkflowValidationException invalid)
            {
                return StudioJson.Invalid(invalid, "Saved, but not published: the workflow has problems");
            }
        }
        return StudioJson.Ok(SaveResponse(saved.Definition, alreadyPublished, problems));
    }

    private static async Task<IResult> PublishAsync(string definitionId, StudioBackend backend, CancellationToken ct)
    {
        try
        {
            var (published, already) = await backend.Catalog.PublishAsync(definitionId, ct);
            if (!already) StudioLog.Published(backend.Logger, definitionId, published.Definition.Version);
            return StudioJson.Ok(SaveResponse(published.Definition, already, []));
        }
        catch (WorkflowDefinitionNotFoundException e)
        {
            return StudioJson.NotFound(e.Message);
        }
        catch (WorkflowValidationException invalid)
        {
            return StudioJson.Invalid(invalid, "Not published: the workflow has problems");
        }
    }

    private static async Task<IResult> RetractAsync(string definitionId, StudioBackend backend, CancellationToken ct)
    {
        var published = await backend.Catalog.Store.FindPublishedAsync(definitionId, ct);
        if (published is null || !await backend.Catalog.RetractAsync(definitionId, ct))
        {
            return StudioJson.BadRequest("Not unpublished", $"Workflow definition '{definitionId}' has no published version to unpublish.");
        }
        var bound = backend.BoundConnections(definitionId);
        if (bound.Count > 0) StudioLog.RetractedBound(backend.Logger, definitionId, string.Join(", ", bound));
        var retracted = await backend.Catalog.Store.FindVersionAsync(published.Definition.Id!, ct);
        return StudioJson.Ok(DefinitionShapes.Definition(WithNodeIds((retracted ?? published).Definition)));
    }

    private static async Task<IResult> DeleteAsync(string definitionId, StudioBackend backend, CancellationToken ct)
    {
        if (await GuardAsync(backend, definitionId, ct) is { } refused) return refused;
        return await backend.Catalog.Store.DeleteDefinitionAsync(definitionId, ct) > 0
            ? Results.NoContent()
            : StudioJson.NotFound($"There is no workflow definition '{definitionId}'.");
    }

    private static async Task<IResult> DeleteVersionAsync(string versionId, StudioBackend backend, CancellationToken ct)
    {
        if (await backend.InstanceQueries.CountReferencingAsync(null, versionId, ct) is > 0 and var count)
        {
            return StudioJson.BadRequest("Not deleted", $"{count} workflow instance(s) ran version '{versionId}'; the viewer shows them with it, so it is kept until they are deleted.");
        }
        return await backend.Catalog.Store.DeleteVersionAsync(versionId, ct)
            ? Results.NoContent()
            : StudioJson.NotFound($"There is no deletable version '{versionId}' (the latest and the published version are deleted with their definition).");
    }

    private static async Task<IResult> RevertAsync(string definitionId, int version, StudioBackend backend, CancellationToken ct)
    {
        var reverted = await backend.Catalog.Store.RevertAsync(definitionId, version, ct);
        return reverted is null
            ? StudioJson.NotFound($"Workflow definition '{definitionId}' has no version {version}.")
            : Results.Text(DefinitionShapes.Summary(reverted.Definition).ToJsonString(StudioJson.Options), "application/json; charset=utf-8", statusCode: 201);
    }

    /// <summary>The editor's Run: starts the chosen version (the latest draft by default) as a new instance.</summary>
    private static async Task<IResult> ExecuteAsync(string definitionId, HttpRequest request, HttpResponse response, StudioBackend backend, CancellationToken ct)
    {
        JsonObject? body;
        try
        {
            body = await StudioJson.ReadObjectAsync(request, ct);
        }
        catch (JsonException e)
        {
            return StudioJson.BadRequest("Workflow not run", $"The request is not valid JSON: {e.Message}");
        }
        if (!VersionOptions.TryParse(StudioJson.String(body?["versionOptions"]), VersionOptions.Published, out var versions))
        {
            return StudioJson.BadRequest("Workflow not run", "versionOptions is not a version option.");
        }
        var stored = await FindAsync(backend, definitionId, versions, ct);
        if (stored is null) return StudioJson.NotFound($"Workflow definition '{definitionId}' has no {versions.Kind} version to run.");
        CompiledWorkflow workflow;
        try
        {
            workflow = backend.Catalog.Cache(stored);
        }
        catch (WorkflowValidationException invalid)
        {
            response.Headers["x-elsa-workflow-cannot-start"] = "True";
            return StudioJson.Invalid(invalid, "Workflow not run: it has problems");
        }
        var input = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (body?["input"] is JsonObject given)
        {
            foreach (var (name, value) in given) input[name] = value is null ? null : WorkflowTypes.FromJson(JsonSerializer.SerializeToElement(value));
        }
        var run = await backend.Runner.StartAsync(workflow, new WorkflowStartRequest
        {
            CorrelationId = StudioJson.String(body?["correlationId"]),
            TriggerActivityId = StudioJson.String(body?["triggerActivityId"]),
            Input = input,
        }, ct);
        response.Headers["x-elsa-workflow-instance-id"] = run.Instance.Id;
        response.Headers["x-elsa-workflow-cannot-start"] = "False";
        return StudioJson.Ok(new JsonObject { ["workflowInstanceId"] = run.Instance.Id, ["status"] = run.Instance.Status.ToString(), ["subStatus"] = run.Instance.SubStatus.ToString() });
    }

    private static async Task<IResult> BulkDeleteAsync(HttpRequest request, StudioBackend backend, CancellationToken ct)
    {
        var ids = StudioJson.Strings((await StudioJson.ReadObjectAsync(request, ct))?["definitionIds"]);
        foreach (var id in ids)
        {
            if (await GuardAsync(backend, id, ct) is { } refused) return refused;
        }
        var deleted = 0;
        foreach (var id in ids)
        {
            if (await backend.Catalog.Store.DeleteDefinitionAsync(id, ct) > 0) deleted++;
        }
        return StudioJson.Ok(new JsonObject { ["deleted"] = deleted });
    }

    private static async Task<IResult> BulkDeleteVersionsAsync(HttpRequest request, StudioBackend backend, CancellationToken ct)
    {
        var deleted = 0;
        foreach (var id in StudioJson.Strings((await StudioJson.ReadObjectAsync(request, ct))?["ids"]))
        {
            if (await backend.InstanceQueries.CountReferencingAsync(null, id, ct) == 0 && await backend.Catalog.Store.DeleteVersionAsync(id, ct)) deleted++;
        }
        return StudioJson.Ok(new JsonObject { ["deleted"] = deleted });
    }

    /// <summary>All or nothing: every definition is checked first, so a bad one can't leave the others half published.</summary>
    private static async Task<IResult> BulkPublishAsync(HttpRequest request, StudioBackend backend, CancellationToken ct)
    {
        var ids = StudioJson.Strings((await StudioJson.ReadObjectAsync(request, ct))?["definitionIds"]);
        var problems = new List<string>();
        foreach (var id in ids)
        {
            if (await backend.Catalog.Store.FindLatestAsync(id, ct) is { Definition.IsPublished: false } latest)
            {
                foreach (var problem in backend.Intake.DesignProblems(latest.Definition)) problems.Add($"'{latest.Definition.Name ?? id}': {problem}");
            }
        }
        if (problems.Count > 0) return StudioJson.BadRequest("Nothing was published: some workflows have problems", problems);
        JsonArray published = [], alreadyPublished = [], notFound = [];
        foreach (var id in ids)
        {
            try
            {
                var (_, already) = await backend.Catalog.PublishAsync(id, ct);
                (already ? alreadyPublished : published).Add(id);
            }
            catch (WorkflowDefinitionNotFoundException)
            {
                notFound.Add(id);
            }
            catch (WorkflowValidationException invalid)
            {
                return StudioJson.Invalid(invalid, $"Publishing stopped at '{id}': it has problems");
            }
        }
        return StudioJson.Ok(new JsonObject
        {
            ["published"] = published,
            ["alreadyPublished"] = alreadyPublished,
            ["notFound"] = notFound,
            ["updatedConsumers"] = new JsonArray(),
        });
    }

    private static async Task<IResult> BulkRetractAsync(HttpRequest request, StudioBackend backend, CancellationToken ct)
    {
        JsonArray retracted = [], alreadyRetracted = [], notFound = [];
        foreach (var id in StudioJson.Strings((await StudioJson.ReadObjectAsync(request, ct))?["definitionIds"]))
        {
            if (await backend.Catalog.Store.FindLatestAsync(id, ct) is null) notFound.Add(id);
            else (await backend.Catalog.RetractAsync(id, ct) ? retracted : alreadyRetracted).Add(id);
        }
        return StudioJson.Ok(new JsonObject { ["retracted"] = retracted, ["alreadyRetracted"] = alreadyRetracted, ["notFound"] = notFound });
    }

    /// <summary>
    /// A definition that decides held commands can't be deleted (new held commands would all be denied), nor one whose
    /// instances are kept (the list and the viewer need their versions).
    /// </summary>
    private static async Task<IResult?> GuardAsync(StudioBackend backend, string definitionId, CancellationToken ct)
    {
        var bound = backend.BoundConnections(definitionId);
        if (bound.Count > 0)
        {
            return StudioJson.BadRequest("Not deleted",
                $"Workflow definition '{definitionId}' decides the held commands of {string.Join(", ", bound)}; bind those connections to another workflow in the policy file first.");
        }
        var instances = await backend.InstanceQueries.CountReferencingAsync(definitionId, null, ct);
        return instances == 0
            ? null
            : StudioJson.BadRequest("Not deleted",
                $"Workflow definition '{definitionId}' has {instances} instance(s), which the instance list and viewer show with their versions; delete those instances first.");
    }

    private static JsonObject SaveResponse(WorkflowDefinition definition, bool alreadyPublished, IReadOnlyList<WorkflowProblem> problems) => new()
    {
        ["workflowDefinition"] = DefinitionShapes.Definition(WithNodeIds(definition)),
        ["alreadyPublished"] = alreadyPublished,
        ["consumingWorkflowCount"] = 0,
        ["validationErrors"] = DefinitionIntake.ValidationErrors(problems),
    };

    /// <summary>Definitions imported from workflows/ may lack node ids; the viewer keys everything on them.</summary>
    private static WorkflowDefinition WithNodeIds(WorkflowDefinition definition)
    {
        if (definition.Root is { } root) DefinitionIntake.AssignNodeIds(root);
        return definition;
    }

    /// <summary>The highest version of a definition that matches <paramref name="versions"/>.</summary>
    private static async Task<StoredWorkflowDefinition?> FindAsync(StudioBackend backend, string definitionId, VersionOptions versions, CancellationToken ct)
    {
        if (versions == VersionOptions.Latest) return await backend.Catalog.Store.FindLatestAsync(definitionId, ct);
        if (versions == VersionOptions.Published) return await backend.Catalog.Store.FindPublishedAsync(definitionId, ct);
        foreach (var stored in await backend.Catalog.Store.ListVersionsAsync(definitionId, ct))
        {
            if (versions.Matches(stored.Definition)) return stored;
        }
        return null;
    }

    private static List<string> Messages(IReadOnlyList<WorkflowProblem> problems)
    {
        var messages = new List<string>(problems.Count);
        foreach (var problem in problems) messages.Add(problem.ToString());
        return messages;
    }

    private static bool Contains(string? text, string term) => text?.Contains(term, StringComparison.OrdinalIgnoreCase) == true;
}
