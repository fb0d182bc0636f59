using System.Text.Json.Nodes;

namespace TicketGate.Tests.Workflows;

/// <summary>Builds definitions in the shape Elsa Studio 3.8 saves (contract §3.4 and the recorded Studio conversation).</summary>
internal static class Studio
{
    private static int position;

    public static JsonObject Definition(string definitionId, JsonArray activities, JsonArray connections,
        JsonArray? variables = null, JsonArray? inputs = null) => new()
    {
        ["id"] = "v-" + definitionId, ["definitionId"] = definitionId, ["name"] = definitionId, ["description"] = null,
        ["createdAt"] = "2026-03-02T09:15:00+00:00", ["version"] = 1, ["toolVersion"] = "3.8.0",
        ["isLatest"] = true, ["isPublished"] = false, ["isReadonly"] = false, ["isSystem"] = false, ["materializerName"] = "Json",
        ["options"] = new JsonObject { ["activationStrategyType"] = null, ["usableAsActivity"] = false, ["autoUpdateConsumingWorkflows"] = false,
            ["activityCategory"] = null, ["incidentStrategyType"] = null, ["commitStrategyName"] = null },
        ["variables"] = variables ?? [], ["inputs"] = inputs ?? [], ["outputs"] = new JsonArray(), ["outcomes"] = new JsonArray(),
        ["customProperties"] = new JsonObject(),
        ["root"] = new JsonObject
        {
            ["id"] = "fc1", ["nodeId"] = "Workflow1:fc1", ["type"] = "Elsa.Flowchart", ["version"] = 1, ["name"] = "Flowchart1",
            ["customProperties"] = new JsonObject(), ["metadata"] = new JsonObject(), ["variables"] = new JsonArray(),
            ["activities"] = activities, ["connections"] = connections,
        },
        ["links"] = new JsonArray(new JsonObject { ["href"] = $"/workflow-definitions/{definitionId}/publish", ["rel"] = "publish", ["method"] = "POST" }),
    };

    public static JsonObject Activity(string id, string type, params (string Name, JsonNode? Value)[] properties)
    {
        var x = 100 + 150 * Interlocked.Increment(ref position) % 1200;
        var activity = new JsonObject
        {
            ["id"] = id, ["nodeId"] = "Workflow1:fc1:" + id, ["type"] = type, ["version"] = 1, ["name"] = type.Split('.')[^1] + "1",
            ["customProperties"] = new JsonObject(),
            ["metadata"] = new JsonObject { ["designer"] = new JsonObject {
                ["position"] = new JsonObject { ["x"] = x, ["y"] = 120 }, ["size"] = new JsonObject { ["width"] = 160.9375, ["height"] = 54 } } },
        };
        foreach (var (name, value) in properties) activity[name] = value;
        return activity;
    }

    public static JsonObject Input(string typeName, string syntax, string value) => new()
    {
        ["typeName"] = typeName, ["expression"] = new JsonObject { ["type"] = syntax, ["value"] = value }, ["memoryReference"] = null,
    };

    public static JsonObject Literal(string typeName, string value) => Input(typeName, "Literal", value);

    public static JsonObject Js(string typeName, string script) => Input(typeName, "JavaScript", script);

    public static JsonObject Liquid(string template) => Input("String", "Liquid", template);

    public static JsonObject Connect(string from, string port, string to) => new()
    {
        ["source"] = new JsonObject { ["activity"] = from, ["port"] = port },
        ["target"] = new JsonObject { ["activity"] = to, ["port"] = "In" },
        ["vertices"] = new JsonArray(),
    };

    public static JsonObject Variable(string name, string typeName, string? value) => new()
    {
        ["id"] = "var-" + name.ToLowerInvariant(), ["name"] = name, ["typeName"] = typeName, ["isArray"] = false, ["value"] = value,
        ["storageDriverTypeName"] = "WorkflowInstance",
    };

    /// <summary>What the Studio's variable picker writes into SetVariable's non-wrapped <c>variable</c> property.</summary>
    public static JsonObject VariableReference(string name, string typeName) => Variable(name, typeName, null);

    public static JsonArray Array(params JsonNode[] items) => new(items);
}
