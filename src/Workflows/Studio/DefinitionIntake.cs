using System.Text.Json;
using System.Text.Json.Nodes;
using TicketGate.Workflows.Definitions;
using TicketGate.Workflows.Expressions;
using TicketGate.Workflows.Model;
using TicketGate.Workflows.Runtime;

namespace TicketGate.Workflows.Studio;

/// <summary>
/// What a Studio save goes through before it is stored: the model is normalised (node ids recomputed, input type names
/// filled in, response-only fields dropped), then checked. Problems that make the document meaningless to the runtime
/// (a root that isn't a flowchart, an unknown activity type, an expression that doesn't parse) refuse the save; problems
/// of an unfinished design (a missing variable, an empty required input) are reported and only block publishing.
/// </summary>
public sealed class DefinitionIntake(WorkflowCompiler compiler, ExpressionCompiler expressions)
{
    /// <summary>Fields the server answers with but never stores (links, read-only flags, provider names).</summary>
    private static readonly string[] ResponseOnly = ["links", "isReadonly", "isSystem", "materializerName", "providerName", "isMaterializerAvailable"];

    public void Normalise(WorkflowDefinition model)
    {
        if (model.Extensions is { } extensions)
        {
            foreach (var name in ResponseOnly) extensions.Remove(name);
        }
        model.Root ??= new Activity { Id = WorkflowIds.New()[..16], Type = ActivityRegistry.FlowchartType, Name = "Flowchart1" };
        AssignNodeIds(model.Root);
        foreach (var node in model.Root.Activities ?? []) FillInputTypeNames(node);
    }

    /// <summary>Contract §3.1: <c>Workflow1:&lt;rootId&gt;:&lt;childId&gt;</c>, recomputed on every save (new nodes arrive as <c>:id</c>).</summary>
    public static void AssignNodeIds(Activity root)
    {
        root.NodeId = "Workflow1:" + root.Id;
        foreach (var child in root.Activities ?? []) AssignNodeIds(child, root.NodeId);
    }

    private static void AssignNodeIds(Activity node, string parent)
    {
        node.NodeId = parent + ":" + node.Id;
        foreach (var child in node.Activities ?? []) AssignNodeIds(child, node.NodeId);
    }

    /// <summary>The problems that refuse a save, each naming the activity and input; empty when it may be stored.</summary>
    public IReadOnlyList<string> BlockingProblems(WorkflowDefinition model)
    {
        var problems = new List<string>();
        var root = model.Root!;
        if (root.Type != ActivityRegistry.FlowchartType)
        {
            problems.Add($"The root activity is '{root.Type}', but TicketGate runs flowcharts only (Sequence and State machine roots are not supported); " +
                         "create the workflow with the Flowchart template.");
            return problems;
        }
        foreach (var node in root.Activities ?? [])
        {
            var who = Describe(node);
            if (compiler.Registry.Find(node.Type) is not { } registered)
            {
                problems.Add(node.Type == ActivityRegistry.FlowchartType || node.Activities is not null
                    ? $"{who} is a nested container; TicketGate runs flat flowcharts, so place its activities in the root flowchart."
                    : $"{who} has the unknown activity type '{node.Type}'; TicketGate knows: {KnownTypes()}.");
                continue;
            }
            foreach (var input in registered.Descriptor.Inputs)
            {
                if (!input.IsWrapped || node.FindProperty(input.Name) is not { ValueKind: JsonValueKind.Object } property) continue;
                WrappedInput? wrapped;
                try
                {
                    wrapped = property.Deserialize<WrappedInput>(WorkflowJson.Options);
                }
                catch (JsonException e)
                {
                    problems.Add($"{who}, input '{input.Name}': is not a {{typeName, expression}} input ({e.Message}).");
                    continue;
                }
                if (wrapped?.Expression is not { } expression) continue;
                try
                {
                    expressions.Compile(expression, input.TypeName);
                }
                catch (ExpressionCompileException e)
                {
                    problems.Add($"{who}, input '{input.Name}' ({expression.Type ?? ExpressionSyntax.Literal}): {e.Message}");
                }
            }
        }
        return problems;
    }

    /// <summary>What keeps a stored draft from being published (missing variables, empty required inputs, bad connections).</summary>
    public IReadOnlyList<WorkflowProblem> DesignProblems(WorkflowDefinition model)
    {
        try
        {
            compiler.Compile(model);
            return [];
        }
        catch (WorkflowValidationException invalid)
        {
            return invalid.Problems;
        }
    }

    /// <summary>The Studio's <c>validationErrors</c>: <c>[{ message, activityId }]</c>.</summary>
    public static JsonArray ValidationErrors(IReadOnlyList<WorkflowProblem> problems)
    {
        var errors = new JsonArray();
        foreach (var problem in problems) errors.Add(new JsonObject { ["message"] = problem.ToString(), ["activityId"] = problem.ActivityId });
        return errors;
    }

    private void FillInputTypeNames(Activity node)
    {
        if (compiler.Registry.Find(node.Type) is not { } registered || node.Properties is null) return;
        foreach (var input in registered.Descriptor.Inputs)
        {
            if (!input.IsWrapped) continue;
            var key = WorkflowJson.ToCamelCase(input.Name);
            if (!node.Properties.TryGetValue(key, out var property) || property.ValueKind != JsonValueKind.Object) continue;
            if (property.TryGetProperty("typeName", out var typeName) && typeName.ValueKind == JsonValueKind.String) continue;
            var filled = JsonNode.Parse(property.GetRawText())!.AsObject();
            filled["typeName"] = input.TypeName;
            node.Properties[key] = JsonSerializer.SerializeToElement(filled);
        }
    }

    private static string Describe(Activity node) =>
        string.IsNullOrEmpty(node.Name) ? $"Activity '{node.Id}'" : $"Activity '{node.Name}' ({node.Id})";

    private string KnownTypes()
    {
        var names = new List<string>();
        foreach (var descriptor in compiler.Registry.Descriptors)
        {
            if (descriptor.IsBrowsable) names.Add(descriptor.TypeName);
        }
        return string.Join(", ", names);
    }
}
