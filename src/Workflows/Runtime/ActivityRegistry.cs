using System.Reflection;
using System.Text.Json.Nodes;
using TicketGate.Workflows.Expressions;

namespace TicketGate.Workflows.Runtime;

/// <summary>An activity type known to the runtime: the shared instance and the descriptor derived from its class.</summary>
public sealed record RegisteredActivity(WorkflowActivity Activity, ActivityDescriptor Descriptor);

/// <summary>
/// The activity types a definition may use, keyed by type name. Descriptors are derived once, at registration, from
/// the class's attributes and its <see cref="Input{T}"/>/<see cref="Output{T}"/> properties.
/// </summary>
public sealed class ActivityRegistry
{
    /// <summary>The flowchart root. The runtime walks it itself, so it has a descriptor but no activity class.</summary>
    public const string FlowchartType = "Elsa.Flowchart";

    private readonly Dictionary<string, RegisteredActivity> byType = new(StringComparer.Ordinal);

    public static ActivityDescriptor FlowchartDescriptor { get; } = new()
    {
        TypeName = FlowchartType, Namespace = "Elsa", Name = "Flowchart", Category = "Flow", DisplayName = "Flowchart",
        Description = "A graph of activities joined by connections.", IsBrowsable = false, IsContainer = true,
    };

    /// <summary>Every registered descriptor, the flowchart first, then in registration order.</summary>
    public IReadOnlyList<ActivityDescriptor> Descriptors
    {
        get
        {
            var result = new List<ActivityDescriptor>(byType.Count + 1) { FlowchartDescriptor };
            foreach (var registered in byType.Values) result.Add(registered.Descriptor);
            return result;
        }
    }

    /// <summary>Registers an activity instance. A later registration of the same type name replaces the earlier one.</summary>
    public ActivityRegistry Add(WorkflowActivity activity)
    {
        var descriptor = Describe(activity);
        byType[descriptor.TypeName] = new RegisteredActivity(activity, descriptor);
        return this;
    }

    public RegisteredActivity? Find(string typeName) => byType.GetValueOrDefault(typeName);

    public bool IsKnown(string typeName) => typeName == FlowchartType || byType.ContainsKey(typeName);

    private static ActivityDescriptor Describe(WorkflowActivity activity)
    {
        var type = activity.GetType();
        var declared = type.GetCustomAttribute<ActivityAttribute>()
            ?? throw new InvalidOperationException($"{type.Name} has no [Activity] attribute; it needs one to be registered.");
        var ports = new List<PortDescriptor>();
        foreach (var outcome in type.GetCustomAttribute<OutcomesAttribute>()?.Names ?? [])
        {
            ports.Add(new PortDescriptor(outcome, Spaced(outcome)));
        }

        var inputs = new List<InputDescriptor>();
        var outputs = new List<OutputDescriptor>();
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (!property.PropertyType.IsGenericType) continue;
            var definition = property.PropertyType.GetGenericTypeDefinition();
            var valueType = property.PropertyType.GetGenericArguments()[0];
            if (definition == typeof(Input<>) && property.GetCustomAttribute<InputAttribute>() is { } input)
            {
                var handle = property.GetValue(activity)
                    ?? throw new InvalidOperationException($"{type.Name}.{property.Name} is null; initialise the input handle.");
                property.PropertyType.GetProperty(nameof(Input<>.Name))!.SetValue(handle, property.Name);
                inputs.Add(DescribeInput(property.Name, valueType, input));
            }
            else if (definition == typeof(Output<>) && property.GetCustomAttribute<OutputAttribute>() is { } output)
            {
                var handle = property.GetValue(activity)
                    ?? throw new InvalidOperationException($"{type.Name}.{property.Name} is null; initialise the output handle.");
                property.PropertyType.GetProperty(nameof(Output<>.Name))!.SetValue(handle, property.Name);
                outputs.Add(new OutputDescriptor
                {
                    Name = property.Name, TypeName = WorkflowTypes.AliasOf(valueType),
                    DisplayName = output.DisplayName ?? Spaced(property.Name), Description = output.Description, Order = output.Order,
                });
            }
        }
        inputs.Sort((a, b) => a.Order.CompareTo(b.Order));

        return new ActivityDescriptor
        {
            TypeName = $"{declared.Namespace}.{declared.Name}", Namespace = declared.Namespace, Name = declared.Name,
            Version = declared.Version, Category = declared.Category, DisplayName = declared.DisplayName ?? Spaced(declared.Name),
            Description = declared.Description, Kind = declared.Kind, IsBrowsable = declared.IsBrowsable,
            IsStart = declared.IsStart, IsTerminal = declared.IsTerminal, Ports = ports, Inputs = inputs, Outputs = outputs,
        };
    }

    private static InputDescriptor DescribeInput(string name, Type valueType, InputAttribute input)
    {
        JsonObject? specifications = null;
        if (input.Options is { Length: > 0 } options)
        {
            var items = new JsonArray();
            foreach (var option in options) items.Add(new JsonObject { ["text"] = option, ["value"] = option });
            specifications = new JsonObject
            {
                ["dropdown"] = new JsonObject
                {
                    ["selectList"] = new JsonObject { ["items"] = items, ["isFlagsEnum"] = false, ["sortItems"] = false },
                },
            };
        }
        return new InputDescriptor
        {
            Name = name, TypeName = input.TypeName ?? WorkflowTypes.AliasOf(valueType), DisplayName = input.DisplayName ?? Spaced(name),
            Description = input.Description, Category = input.Category, Order = input.Order, IsBrowsable = input.IsBrowsable,
            IsWrapped = input.IsWrapped, UIHint = input.UIHint, DefaultValue = input.DefaultValue,
            DefaultSyntax = input.DefaultSyntax ?? (input.IsWrapped ? "Literal" : null), UISpecifications = specifications,
            Required = input.Required,
        };
    }

    /// <summary>"TimedOut" → "Timed out": display names for ports and inputs without one.</summary>
    private static string Spaced(string name)
    {
        var result = new System.Text.StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (i > 0 && char.IsUpper(c) && !char.IsUpper(name[i - 1]))
            {
                result.Append(' ').Append(char.ToLowerInvariant(c));
            }
            else
            {
                result.Append(c);
            }
        }
        return result.ToString();
    }
}
