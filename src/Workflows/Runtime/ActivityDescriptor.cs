using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace TicketGate.Workflows.Runtime;

/// <summary>What the Studio's toolbox and property panes read for one activity type (contract §4.1). Serialise camelCase.</summary>
public sealed class ActivityDescriptor
{
    public required string TypeName { get; init; }
    public required string Namespace { get; init; }
    public required string Name { get; init; }
    public int Version { get; init; } = 1;
    public string Category { get; init; } = "Miscellaneous";
    public string DisplayName { get; init; } = "";
    public string? Description { get; init; }

    [JsonConverter(typeof(JsonStringEnumConverter<ActivityKind>))]
    public ActivityKind Kind { get; init; } = ActivityKind.Action;

    public bool IsBrowsable { get; init; } = true;
    public bool IsContainer { get; init; }
    public bool IsStart { get; init; }
    public bool IsTerminal { get; init; }
    public IReadOnlyList<PortDescriptor> Ports { get; init; } = [];
    public IReadOnlyList<InputDescriptor> Inputs { get; init; } = [];
    public IReadOnlyList<OutputDescriptor> Outputs { get; init; } = [];
    public JsonObject CustomProperties { get; init; } = [];
    public JsonObject ConstructionProperties { get; init; } = [];

    public InputDescriptor? FindInput(string name)
    {
        foreach (var input in Inputs)
        {
            if (string.Equals(input.Name, name, StringComparison.OrdinalIgnoreCase)) return input;
        }
        return null;
    }
}

public sealed record PortDescriptor(string Name, string DisplayName)
{
    public string Type { get; init; } = "Flow";
    public bool IsBrowsable { get; init; } = true;
}

public sealed class InputDescriptor
{
    public required string Name { get; init; }
    public required string TypeName { get; init; }
    public string DisplayName { get; init; } = "";
    public string? Description { get; init; }
    public string? Category { get; init; }
    public float Order { get; init; }
    public bool IsBrowsable { get; init; } = true;
    public bool IsWrapped { get; init; } = true;
    public string UIHint { get; init; } = InputUIHints.SingleLine;
    public object? DefaultValue { get; init; }
    public string? DefaultSyntax { get; init; }
    public bool IsReadOnly { get; init; }
    public bool IsSensitive { get; init; }
    public string? StorageDriverType { get; init; }
    public bool AutoEvaluate { get; init; } = true;
    public bool IsSynthetic { get; init; }
    public JsonObject? UISpecifications { get; init; }

    /// <summary>Not part of the Studio's shape: publishing refuses an empty required input.</summary>
    [JsonIgnore]
    public bool Required { get; init; }
}

public sealed class OutputDescriptor
{
    public required string Name { get; init; }
    public required string TypeName { get; init; }
    public string DisplayName { get; init; } = "";
    public string? Description { get; init; }
    public float Order { get; init; }
    public bool IsBrowsable { get; init; } = true;
    public bool IsSynthetic { get; init; }
}
