using TicketGate.Workflows.Model;

namespace TicketGate.Workflows.Runtime;

/// <summary>
/// One activity type: a small class with typed inputs (<see cref="Input{T}"/> properties marked <see cref="InputAttribute"/>),
/// outputs (<see cref="Output{T}"/> with <see cref="OutputAttribute"/>), named outcomes (<see cref="OutcomesAttribute"/>)
/// and an execute method. Instances are shared by every node of the type, so they keep no per-run state: everything
/// per run goes through the <see cref="ActivityExecutionContext"/>. The descriptor the Studio lists is derived from the class.
/// </summary>
public abstract class WorkflowActivity
{
    /// <summary>Runs the node. Complete it (<see cref="ActivityExecutionContext.Complete"/>) or make it wait with a bookmark.</summary>
    public abstract ValueTask ExecuteAsync(ActivityExecutionContext context);

    /// <summary>
    /// Continues a node whose bookmark was resumed. The default completes it with <c>Done</c>; activities that wait on
    /// several bookmarks (an approval with an escalation timer) decide here whether to complete or keep waiting.
    /// </summary>
    public virtual ValueTask ResumeAsync(ActivityExecutionContext context, ResumedBookmark resumed)
    {
        context.Complete();
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// The ports a node of this type offers. The default: the declared outcomes, or <c>Done</c> when none are declared
    /// and the type is not terminal. Activities with outcomes computed from their inputs (switch cases) override it.
    /// </summary>
    public virtual IReadOnlyList<string> PortsOf(Activity node, ActivityDescriptor descriptor)
    {
        var ports = new List<string>(descriptor.Ports.Count + 1);
        foreach (var port in descriptor.Ports) ports.Add(port.Name);
        if (ports.Count == 0 && !descriptor.IsTerminal) ports.Add(Endpoint.DonePort);
        return ports;
    }

    /// <summary>Compiles expressions the node holds outside its wrapped inputs (e.g. switch case conditions).</summary>
    public virtual void Compile(ActivityCompilation compilation) { }
}

/// <summary>A bookmark being resumed, with the payload the stimulus carried (plain values; null when none).</summary>
public sealed record ResumedBookmark(Bookmark Bookmark, object? Payload);

public enum ActivityKind
{
    Action,
    Trigger,
    Job,
    Task,
}

/// <summary>Declares an activity type: the Elsa-style type name is <c>{Namespace}.{Name}</c>.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class ActivityAttribute(string @namespace, string name) : Attribute
{
    public string Namespace { get; } = @namespace;
    public string Name { get; } = name;
    public int Version { get; set; } = 1;
    public string Category { get; set; } = "Miscellaneous";
    public string? DisplayName { get; set; }
    public string? Description { get; set; }
    public ActivityKind Kind { get; set; } = ActivityKind.Action;
    public bool IsStart { get; set; }
    public bool IsTerminal { get; set; }
    public bool IsBrowsable { get; set; } = true;
}

/// <summary>The named outcomes (flow ports) an activity completes with.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class OutcomesAttribute(params string[] names) : Attribute
{
    public IReadOnlyList<string> Names { get; } = names;
}

/// <summary>Describes an input property. Its type alias comes from the <see cref="Input{T}"/> type unless <see cref="TypeName"/> is set.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class InputAttribute : Attribute
{
    public string? DisplayName { get; set; }
    public string? Description { get; set; }
    public string? Category { get; set; }
    public float Order { get; set; }
    public string UIHint { get; set; } = InputUIHints.SingleLine;
    /// <summary>Applied when the node has no property for the input (the Studio only displays defaults, never writes them).</summary>
    public object? DefaultValue { get; set; }
    public string? DefaultSyntax { get; set; }
    /// <summary>False: the node stores the raw value instead of a <c>{typeName, expression}</c> wrapper.</summary>
    public bool IsWrapped { get; set; } = true;
    /// <summary>Publishing fails when a required input is missing or empty and has no default.</summary>
    public bool Required { get; set; }
    /// <summary>Dropdown items (value = text).</summary>
    public string[]? Options { get; set; }
    public string? TypeName { get; set; }
    public bool IsBrowsable { get; set; } = true;
}

[AttributeUsage(AttributeTargets.Property)]
public sealed class OutputAttribute : Attribute
{
    public string? DisplayName { get; set; }
    public string? Description { get; set; }
    public float Order { get; set; }
}

/// <summary>UI hints the Studio knows (contract §4.2).</summary>
public static class InputUIHints
{
    public const string SingleLine = "singleline";
    public const string MultiLine = "multiline";
    public const string Checkbox = "checkbox";
    public const string Dropdown = "dropdown";
    public const string MultiText = "multitext";
    public const string CodeEditor = "code-editor";
    public const string JsonEditor = "json-editor";
    public const string VariablePicker = "variable-picker";
    public const string FlowSwitchEditor = "flow-switch-editor";
    public const string DynamicOutcomes = "dynamic-outcomes";
}

/// <summary>A typed handle for an input: the activity reads it with <see cref="ActivityExecutionContext.Get{T}(Input{T})"/>.</summary>
public sealed class Input<T>
{
    /// <summary>The descriptor name (PascalCase), set when the activity is registered.</summary>
    public string Name { get; internal set; } = "";
}

/// <summary>A typed handle for an output, written with <see cref="ActivityExecutionContext.Set{T}(Output{T}, T)"/>.</summary>
public sealed class Output<T>
{
    public string Name { get; internal set; } = "";
}
