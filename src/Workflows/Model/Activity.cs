using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace TicketGate.Workflows.Model;

/// <summary>
/// An activity node as the Studio writes it (contract §3.1). Inputs and outputs are properties named after the
/// descriptor's camelCased input names; they live in <see cref="Properties"/> with any unknown property, untouched.
/// A flowchart root additionally has <see cref="Activities"/> and <see cref="Connections"/>.
/// </summary>
public sealed class Activity
{
    public string Id { get; set; } = "";

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? NodeId { get; set; }

    public string Type { get; set; } = "";
    public int Version { get; set; } = 1;

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Name { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public JsonObject? CustomProperties { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public JsonObject? Metadata { get; set; }

    /// <summary>Container-level variables (flowchart); workflow-level ones live on the definition.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<VariableDefinition>? Variables { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<Activity>? Activities { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<Connection>? Connections { get; set; }

    /// <summary>Inputs, output bindings and whatever else the node carries, keyed by their JSON names.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Properties { get; set; }

    /// <summary>The raw property of an input, by the descriptor's input name (PascalCase) or its JSON name.</summary>
    public JsonElement? FindProperty(string inputName)
    {
        if (Properties is null) return null;
        var key = WorkflowJson.ToCamelCase(inputName);
        if (Properties.TryGetValue(key, out var value)) return value;
        return Properties.TryGetValue(inputName, out value) ? value : null;
    }

    /// <summary>A wrapped input (<c>{typeName, expression, memoryReference}</c>), or null when absent or JSON null.</summary>
    public WrappedInput? FindWrappedInput(string inputName)
    {
        var property = FindProperty(inputName);
        if (property is not { ValueKind: JsonValueKind.Object } element) return null;
        return element.Deserialize<WrappedInput>(WorkflowJson.Options);
    }

    /// <summary><c>customProperties.canStartWorkflow</c>: the Studio's "trigger workflow" switch.</summary>
    [JsonIgnore]
    public bool CanStartWorkflow =>
        CustomProperties?["canStartWorkflow"] is JsonValue value && value.TryGetValue<bool>(out var flag) && flag;
}

/// <summary>A link between two activities of a flowchart: from an outcome port to the target's <c>In</c> port.</summary>
public sealed class Connection
{
    public Endpoint Source { get; set; } = new();
    public Endpoint Target { get; set; } = new();

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public JsonArray? Vertices { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extensions { get; set; }

    public override string ToString() => $"{Source.Activity}:{Source.PortOrDefault} → {Target.Activity}:{Target.PortOrDefaultFor(Endpoint.InPort)}";
}

public sealed class Endpoint
{
    public const string DonePort = "Done";
    public const string InPort = "In";

    public string Activity { get; set; } = "";

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Port { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extensions { get; set; }

    /// <summary>The designer reads a missing source port as <c>Done</c>.</summary>
    [JsonIgnore]
    public string PortOrDefault => string.IsNullOrEmpty(Port) ? DonePort : Port;

    public string PortOrDefaultFor(string fallback) => string.IsNullOrEmpty(Port) ? fallback : Port;
}
