using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace TicketGate.Workflows.Model;

/// <summary>
/// One version of a workflow definition as Elsa Studio saves it (contract §2.5, §3). Plain data: properties the runtime
/// reads are typed, everything else the Studio sends (links, options, isReadonly, …) stays in <see cref="Extensions"/>
/// so a save → load → save keeps it.
/// </summary>
public sealed class WorkflowDefinition
{
    /// <summary>The version id (one row per version).</summary>
    public string? Id { get; set; }
    public string? DefinitionId { get; set; }
    public string? Name { get; set; }
    public string? Description { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public int Version { get; set; } = 1;
    public string? ToolVersion { get; set; }
    public bool IsLatest { get; set; }
    public bool IsPublished { get; set; }
    public List<VariableDefinition>? Variables { get; set; }
    public List<WorkflowInputDefinition>? Inputs { get; set; }
    public List<WorkflowOutputDefinition>? Outputs { get; set; }
    public List<string>? Outcomes { get; set; }
    public JsonObject? CustomProperties { get; set; }
    public Activity? Root { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extensions { get; set; }

    /// <summary>The definition's variable with this name, or null.</summary>
    public VariableDefinition? FindVariable(string name)
    {
        if (Variables is null) return null;
        foreach (var variable in Variables)
        {
            if (string.Equals(variable.Name, name, StringComparison.Ordinal)) return variable;
        }
        return null;
    }
}

/// <summary>A workflow variable: <c>value</c> is the initial value as text, read by <see cref="TypeName"/>.</summary>
public sealed class VariableDefinition
{
    public string? Id { get; set; }
    public string Name { get; set; } = "";
    public string? TypeName { get; set; }
    public bool IsArray { get; set; }
    public string? Value { get; set; }
    public string? StorageDriverTypeName { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extensions { get; set; }
}

/// <summary>A declared workflow input; <see cref="Type"/> is a type alias (contract §4.4).</summary>
public sealed class WorkflowInputDefinition
{
    public string Name { get; set; } = "";
    public string? DisplayName { get; set; }
    public string? Type { get; set; }
    public bool IsArray { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extensions { get; set; }
}

/// <summary>A declared workflow output.</summary>
public sealed class WorkflowOutputDefinition
{
    public string Name { get; set; } = "";
    public string? DisplayName { get; set; }
    public string? Type { get; set; }
    public bool IsArray { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extensions { get; set; }
}
