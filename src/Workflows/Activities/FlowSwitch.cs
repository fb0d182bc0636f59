using System.Text.Json;
using TicketGate.Workflows.Model;
using TicketGate.Workflows.Runtime;

namespace TicketGate.Workflows.Activities;

/// <summary>
/// <c>Elsa.FlowSwitch</c>: <c>cases</c> is a raw list of <c>{ label, condition }</c> (the Studio's switch editor); the
/// outcome is the label of the first true case (MatchFirst) or of every true case (MatchAny), else <c>Default</c>.
/// </summary>
[Activity("Elsa", "FlowSwitch", Category = "Branching", DisplayName = "Switch", Description = "Takes the path of the matching case.")]
public sealed class FlowSwitch : WorkflowActivity
{
    public const string DefaultOutcome = "Default";

    [Input(Description = "The cases to evaluate.", UIHint = InputUIHints.FlowSwitchEditor, IsWrapped = false, TypeName = "Object")]
    public Input<object> Cases { get; } = new();

    [Input(Description = "Match the first true case, or every true case.", UIHint = InputUIHints.Dropdown,
        Options = ["MatchFirst", "MatchAny"], DefaultValue = "MatchFirst")]
    public Input<string> Mode { get; } = new();

    public override IReadOnlyList<string> PortsOf(Activity node, ActivityDescriptor descriptor)
    {
        var ports = new List<string>();
        foreach (var (label, _) in ReadCases(node, null)) ports.Add(label);
        ports.Add(DefaultOutcome);
        return ports;
    }

    public override void Compile(ActivityCompilation compilation)
    {
        var index = 0;
        foreach (var (label, condition) in ReadCases(compilation.Node, compilation))
        {
            if (string.IsNullOrWhiteSpace(label)) compilation.Problem(nameof(Cases), $"case {index + 1} has no label.");
            compilation.CompileExpression(Key(index), condition ?? Expression.Literal("False"), "Boolean", nameof(Cases));
            index++;
        }
    }

    public override async ValueTask ExecuteAsync(ActivityExecutionContext context)
    {
        var matchAny = string.Equals(context.Get(Mode), "MatchAny", StringComparison.OrdinalIgnoreCase);
        var matched = new List<string>();
        var index = 0;
        foreach (var (label, _) in ReadCases(context.Node, null))
        {
            if (await context.EvaluateAsync(Key(index++)) is true)
            {
                matched.Add(label);
                if (!matchAny) break;
            }
        }
        if (matched.Count == 0) matched.Add(DefaultOutcome);
        context.Complete([.. matched]);
    }

    private static string Key(int index) => $"case:{index}";

    private static List<(string Label, Expression? Condition)> ReadCases(Activity node, ActivityCompilation? compilation)
    {
        var cases = new List<(string, Expression?)>();
        if (node.FindProperty(nameof(Cases)) is not { ValueKind: JsonValueKind.Array } array) return cases;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object)
            {
                compilation?.Problem(nameof(Cases), "each case must be an object with a label and a condition.");
                continue;
            }
            var label = item.TryGetProperty("label", out var l) && l.ValueKind == JsonValueKind.String ? l.GetString() ?? "" : "";
            Expression? condition = null;
            if (item.TryGetProperty("condition", out var c) && c.ValueKind == JsonValueKind.Object)
            {
                try
                {
                    condition = c.Deserialize<Expression>(WorkflowJson.Options);
                }
                catch (JsonException e)
                {
                    compilation?.Problem(nameof(Cases), $"case '{label}' has an unreadable condition: {e.Message}");
                }
            }
            cases.Add((label, condition));
        }
        return cases;
    }
}
