using System.Text.Json;
using System.Text.Json.Nodes;
using TicketGate.Workflows.Model;

namespace TicketGate.Workflows.Studio;

/// <summary>
/// The Studio's views of a stored version (contract §2.5): <c>WorkflowDefinitionSummary</c> for lists and the full
/// <c>WorkflowDefinition</c>, both with the <c>links</c> that make the Studio writable (§2.4).
/// </summary>
public static class DefinitionShapes
{
    public const string ToolVersion = "3.8.0";

    /// <summary>The summary fields, in the names the client deserialises case-sensitively.</summary>
    public static JsonObject Summary(WorkflowDefinition definition) => new()
    {
        ["id"] = definition.Id,
        ["definitionId"] = definition.DefinitionId,
        ["name"] = definition.Name,
        ["description"] = definition.Description,
        ["version"] = definition.Version,
        ["toolVersion"] = ToolVersionOf(definition),
        ["isLatest"] = definition.IsLatest,
        ["isPublished"] = definition.IsPublished,
        ["isReadonly"] = false,
        ["providerName"] = null,
        ["materializerName"] = "Json",
        ["isMaterializerAvailable"] = true,
        ["createdAt"] = definition.CreatedAt,
        ["links"] = DefinitionLinks(definition.DefinitionId!),
    };

    /// <summary>The whole definition: what the Studio saved (unknown keys included), with server-owned fields set and nulls filled.</summary>
    public static JsonObject Definition(WorkflowDefinition definition)
    {
        var node = JsonSerializer.SerializeToNode(definition, WorkflowJson.Options)!.AsObject();
        node["toolVersion"] = ToolVersionOf(definition);
        node["isReadonly"] = false;
        node["isSystem"] = false;
        node["materializerName"] = "Json";
        node["providerName"] = null;
        node["options"] = Options(node["options"] as JsonObject);
        foreach (var list in (ReadOnlySpan<string>)["variables", "inputs", "outputs", "outcomes"])
        {
            if (node[list] is not JsonArray) node[list] = new JsonArray();
        }
        if (node["customProperties"] is not JsonObject) node["customProperties"] = new JsonObject();
        node["links"] = DefinitionLinks(definition.DefinitionId!);
        return node;
    }

    /// <summary>The list's own links; <c>bulk-publish</c> is the one that enables Create and the bulk actions.</summary>
    public static JsonArray ListLinks() =>
    [
        Link("/workflow-definitions", "self", "GET"),
        Link("/workflow-definitions/validation/is-name-unique", "is-name-unique", "GET"),
        Link("/workflow-definitions", "create", "POST"),
        Link("/bulk-actions/delete/workflow-definitions/by-definition-id", "bulk-delete", "POST"),
        Link("/bulk-actions/publish/workflow-definitions/by-definition-ids", "bulk-publish", "POST"),
        Link("/bulk-actions/retract/workflow-definitions/by-definition-ids", "bulk-retract", "POST"),
    ];

    /// <summary>Per definition; <c>publish</c> is the one that makes rows and the editor writable.</summary>
    public static JsonArray DefinitionLinks(string definitionId)
    {
        var id = Uri.EscapeDataString(definitionId);
        return
        [
            Link($"/workflow-definitions/by-definition-id/{id}", "self", "GET"),
            Link($"/workflow-definitions?versionOptions=AllVersions&DefinitionIds={id}", "versions", "GET"),
            Link($"/workflow-definitions/{id}/execute", "execute", "POST"),
            Link($"/workflow-definitions/{id}/publish", "publish", "POST"),
            Link($"/workflow-definitions/{id}/retract", "retract", "POST"),
            Link($"/workflow-definitions/{id}", "delete", "DELETE"),
        ];
    }

    private static JsonObject Link(string href, string rel, string method) => new() { ["href"] = href, ["rel"] = rel, ["method"] = method };

    private static string ToolVersionOf(WorkflowDefinition definition) =>
        string.IsNullOrEmpty(definition.ToolVersion) ? ToolVersion : definition.ToolVersion;

    private static JsonObject Options(JsonObject? stored)
    {
        var options = stored?.DeepClone().AsObject() ?? [];
        foreach (var (name, fallback) in (ReadOnlySpan<(string, bool?)>)[("activationStrategyType", null), ("usableAsActivity", false),
            ("autoUpdateConsumingWorkflows", false), ("activityCategory", null), ("incidentStrategyType", null), ("commitStrategyName", null)])
        {
            if (!options.ContainsKey(name)) options[name] = fallback is null ? null : JsonValue.Create(fallback.Value);
        }
        return options;
    }
}
