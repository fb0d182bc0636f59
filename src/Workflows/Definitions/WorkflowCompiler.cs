using System.Text.Json;
using TicketGate.Workflows.Expressions;
using TicketGate.Workflows.Model;
using TicketGate.Workflows.Runtime;

namespace TicketGate.Workflows.Definitions;

/// <summary>
/// Checks a definition against the registered activities and compiles it for the runtime. Every problem found is
/// collected and reported together in a <see cref="WorkflowValidationException"/>; a definition is compiled whole or not at all.
/// </summary>
public sealed class WorkflowCompiler(ActivityRegistry registry, ExpressionCompiler expressions)
{
    public ActivityRegistry Registry { get; } = registry;

    /// <summary>Parses and compiles Studio JSON. Malformed JSON is reported as a problem like any other.</summary>
    /// <exception cref="WorkflowValidationException">The JSON or the definition is invalid.</exception>
    public CompiledWorkflow Compile(string json)
    {
        WorkflowDefinition definition;
        try
        {
            definition = WorkflowJson.Parse(json);
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line ? $" (line {line + 1}, position {e.BytePositionInLine + 1})" : "";
            throw new WorkflowValidationException(null, [new WorkflowProblem(null, null, $"the definition is not valid JSON{where}: {e.Message}")]);
        }
        return Compile(definition);
    }

    /// <exception cref="WorkflowValidationException">The definition is invalid.</exception>
    public CompiledWorkflow Compile(WorkflowDefinition definition)
    {
        var problems = new List<WorkflowProblem>();
        var compiled = TryCompile(definition, problems);
        if (problems.Count > 0 || compiled is null) throw new WorkflowValidationException(definition.DefinitionId, problems);
        return compiled;
    }

    private CompiledWorkflow? TryCompile(WorkflowDefinition definition, List<WorkflowProblem> problems)
    {
        var variables = CheckVariables(definition, problems);
        var root = definition.Root;
        if (root is null)
        {
            problems.Add(new(null, null, "the definition has no root activity; the root must be an Elsa.Flowchart."));
            return null;
        }
        if (root.Type != ActivityRegistry.FlowchartType)
        {
            problems.Add(new(root.Id, null,
                $"the root is '{root.Type}', but only Elsa.Flowchart roots are supported; recreate the workflow as a flowchart."));
            return null;
        }
        foreach (var variable in root.Variables ?? []) variables.Add(variable.Name);
        var outputNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (var output in definition.Outputs ?? []) outputNames.Add(output.Name);
        var variableIds = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var variable in definition.Variables ?? [])
        {
            if (variable.Id is not null) variableIds[variable.Id] = variable.Name;
        }

        var ordered = new List<CompiledActivity>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in root.Activities ?? [])
        {
            if (string.IsNullOrWhiteSpace(node.Id))
            {
                problems.Add(new(null, null, $"an activity of type '{node.Type}' has no id."));
                continue;
            }
            if (!ids.Add(node.Id))
            {
                problems.Add(new(node.Id, null, "two activities share this id; activity ids must be unique."));
                continue;
            }
            if (node.Activities is not null || node.Type == ActivityRegistry.FlowchartType)
            {
                problems.Add(new(node.Id, null, "nested containers are not supported; place its activities in the root flowchart."));
                continue;
            }
            if (Registry.Find(node.Type) is not { } registered)
            {
                problems.Add(new(node.Id, null,
                    $"unknown activity type '{node.Type}'; this TicketGate knows: {string.Join(", ", KnownTypes())}."));
                continue;
            }
            ordered.Add(CompileActivity(node, registered, variables, variableIds, outputNames, problems));
        }

        var connections = root.Connections ?? [];
        CheckConnections(connections, ordered, problems);
        if (problems.Count > 0) return null;

        var placeholder = new CompiledWorkflow(definition, "", ordered, new FlowchartGraph(connections, null));
        var start = placeholder.StartNode(null);
        return new CompiledWorkflow(definition, WorkflowJson.ContentHash(definition), ordered, new FlowchartGraph(connections, start?.Id));
    }

    private CompiledActivity CompileActivity(Activity node, RegisteredActivity registered, HashSet<string> variables,
        Dictionary<string, string> variableIds, HashSet<string> outputNames, List<WorkflowProblem> problems)
    {
        var activity = new CompiledActivity(node, registered);
        var descriptor = registered.Descriptor;
        var inputs = new List<CompiledInput>(descriptor.Inputs.Count);
        foreach (var input in descriptor.Inputs)
        {
            var compiled = CompileInput(node, input, variables, problems);
            if (compiled is not null) inputs.Add(compiled);
        }
        activity.Inputs = inputs;

        var bindings = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var output in descriptor.Outputs)
        {
            var target = node.FindWrappedInput(output.Name)?.MemoryReference?.Id;
            if (string.IsNullOrEmpty(target)) continue;
            // An id that names neither a variable nor a workflow output is left unbound, as Elsa does: the Studio
            // may write memory references of its own.
            if (variableIds.TryGetValue(target, out var variableName)) bindings[output.Name] = variableName;
            else if (variables.Contains(target) || outputNames.Contains(target)) bindings[output.Name] = target;
        }
        activity.OutputBindings = bindings;

        var compilation = new ActivityCompilation(node, descriptor, expressions, variables.Contains,
            (input, message) => problems.Add(new(node.Id, input, message)));
        registered.Activity.Compile(compilation);
        activity.Expressions = compilation.Expressions;
        activity.Ports = registered.Activity.PortsOf(node, descriptor);

        if (node.Type == "Elsa.FlowJoin") activity.JoinMode = ReadJoinMode(node, inputs, problems);
        return activity;
    }

    private CompiledInput? CompileInput(Activity node, InputDescriptor input, HashSet<string> variables, List<WorkflowProblem> problems)
    {
        var property = node.FindProperty(input.Name);
        var present = property is { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) };
        if (!input.IsWrapped)
        {
            if (!present)
            {
                if (input.Required && input.DefaultValue is null) problems.Add(new(node.Id, input.Name, "is required but missing."));
                return new CompiledInput(input, null, input.DefaultValue);
            }
            return new CompiledInput(input, null, WorkflowTypes.Plain(property!.Value.Clone()));
        }

        WrappedInput? wrapped = null;
        if (present)
        {
            try
            {
                wrapped = property!.Value.Deserialize<WrappedInput>(WorkflowJson.Options);
            }
            catch (JsonException e)
            {
                problems.Add(new(node.Id, input.Name, $"is not a {{typeName, expression}} input: {e.Message}"));
                return null;
            }
        }
        if (wrapped?.Expression is not { } expression)
        {
            if (input.DefaultValue is not null) return CompileDefault(node, input, problems);
            if (input.Required) problems.Add(new(node.Id, input.Name, "is required but missing; give it a value in the activity's Input tab."));
            return new CompiledInput(input, null, null);
        }
        try
        {
            var compiled = expressions.Compile(expression, input.TypeName);
            if (compiled.IsEmpty && input.Required && input.DefaultValue is null)
            {
                problems.Add(new(node.Id, input.Name, "is required but empty; give it a value in the activity's Input tab."));
            }
            foreach (var name in compiled.VariableReferences)
            {
                if (!variables.Contains(name))
                {
                    problems.Add(new(node.Id, input.Name, $"refers to variable '{name}', which the workflow doesn't declare."));
                }
            }
            return compiled.IsEmpty && input.DefaultValue is not null
                ? CompileDefault(node, input, problems)
                : new CompiledInput(input, compiled, null);
        }
        catch (ExpressionCompileException e)
        {
            problems.Add(new(node.Id, input.Name, e.Message));
            return null;
        }
    }

    private CompiledInput? CompileDefault(Activity node, InputDescriptor input, List<WorkflowProblem> problems)
    {
        try
        {
            return new CompiledInput(input, null, WorkflowTypes.Coerce(input.DefaultValue, input.TypeName));
        }
        catch (FormatException e)
        {
            problems.Add(new(node.Id, input.Name, $"the descriptor default is unusable: {e.Message}"));
            return null;
        }
    }

    private static JoinMode ReadJoinMode(Activity node, List<CompiledInput> inputs, List<WorkflowProblem> problems)
    {
        foreach (var input in inputs)
        {
            if (!string.Equals(input.Descriptor.Name, "Mode", StringComparison.Ordinal)) continue;
            object? value = input.Value;
            if (input.Expression is { } expression && !expression.TryGetConstant(out value))
            {
                problems.Add(new(node.Id, "Mode", "the join mode must be a fixed value (WaitAny, WaitAll or WaitAllActive), not a script."));
                return JoinMode.WaitAny;
            }
            var text = value as string;
            if (string.IsNullOrEmpty(text)) return JoinMode.WaitAny;
            if (Enum.TryParse<JoinMode>(text, ignoreCase: true, out var mode)) return mode;
            problems.Add(new(node.Id, "Mode", $"'{text}' is not a join mode; use WaitAny, WaitAll or WaitAllActive."));
        }
        return JoinMode.WaitAny;
    }

    private static void CheckConnections(List<Connection> connections, List<CompiledActivity> activities, List<WorkflowProblem> problems)
    {
        var byId = new Dictionary<string, CompiledActivity>(StringComparer.Ordinal);
        foreach (var activity in activities) byId[activity.Id] = activity;
        foreach (var connection in connections)
        {
            var source = connection.Source.Activity;
            var target = connection.Target.Activity;
            if (!byId.TryGetValue(source, out var from))
            {
                problems.Add(new(source, null, $"connection {connection} starts at an activity that isn't in the flowchart."));
                continue;
            }
            if (!byId.ContainsKey(target))
            {
                problems.Add(new(target, null, $"connection {connection} ends at an activity that isn't in the flowchart."));
                continue;
            }
            var port = connection.Source.PortOrDefault;
            if (!Contains(from.Ports, port))
            {
                var offered = from.Ports.Count == 0 ? "none (it ends the workflow)" : string.Join(", ", from.Ports);
                problems.Add(new(source, null, $"connection {connection} leaves from port '{port}', which '{from.Type}' doesn't have; its ports: {offered}."));
            }
            if (connection.Target.Port is { Length: > 0 } inPort && inPort != Endpoint.InPort)
            {
                problems.Add(new(target, null, $"connection {connection} enters port '{inPort}'; flowchart connections enter port 'In'."));
            }
        }
    }

    private static HashSet<string> CheckVariables(WorkflowDefinition definition, List<WorkflowProblem> problems)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var variable in definition.Variables ?? [])
        {
            if (string.IsNullOrWhiteSpace(variable.Name))
            {
                problems.Add(new(null, null, $"variable '{variable.Id}' has no name."));
                continue;
            }
            if (!names.Add(variable.Name)) problems.Add(new(null, variable.Name, "two variables share this name."));
            if (WorkflowTypes.Resolve(variable.TypeName) is null)
            {
                problems.Add(new(null, variable.Name, $"variable type '{variable.TypeName}' is not supported."));
                continue;
            }
            try
            {
                WorkflowTypes.Coerce(variable.Value, VariableType(variable));
            }
            catch (FormatException e)
            {
                problems.Add(new(null, variable.Name, $"the variable's initial value is unusable: {e.Message}"));
            }
        }
        return names;
    }

    /// <summary>The alias a variable's values are kept in (<c>isArray</c> turns <c>String</c> into <c>String[]</c>).</summary>
    public static string? VariableType(VariableDefinition variable) =>
        variable.IsArray && variable.TypeName is { } type && !type.EndsWith("[]", StringComparison.Ordinal) ? type + "[]" : variable.TypeName;

    private IEnumerable<string> KnownTypes()
    {
        foreach (var descriptor in Registry.Descriptors)
        {
            if (descriptor.TypeName != ActivityRegistry.FlowchartType) yield return descriptor.TypeName;
        }
    }

    private static bool Contains(IReadOnlyList<string> values, string value)
    {
        foreach (var candidate in values)
        {
            if (string.Equals(candidate, value, StringComparison.Ordinal)) return true;
        }
        return false;
    }
}
