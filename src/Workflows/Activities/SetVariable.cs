using System.Text.Json;
using TicketGate.Workflows.Runtime;

namespace TicketGate.Workflows.Activities;

/// <summary>
/// <c>Elsa.SetVariable</c>: <c>variable</c> is the raw variable object the Studio's picker writes
/// (<c>{ id, name, typeName, … }</c>); <c>value</c> is evaluated and converted to the variable's type.
/// </summary>
[Activity("Elsa", "SetVariable", Category = "Primitives", DisplayName = "Set variable", Description = "Assigns a value to a workflow variable.")]
public sealed class SetVariable : WorkflowActivity
{
    [Input(Description = "The variable to assign.", UIHint = InputUIHints.VariablePicker, IsWrapped = false, TypeName = "Object", Required = true)]
    public Input<object> Variable { get; } = new();

    [Input(Description = "The value to assign.", UIHint = InputUIHints.SingleLine, TypeName = "Object")]
    public Input<object> Value { get; } = new();

    public override void Compile(ActivityCompilation compilation)
    {
        var name = VariableName(compilation.Node.FindProperty(nameof(Variable)));
        if (name is null)
        {
            compilation.Problem(nameof(Variable), "no variable is selected; pick the variable to assign.");
        }
        else if (!compilation.VariableExists(name))
        {
            compilation.Problem(nameof(Variable), $"refers to variable '{name}', which the workflow doesn't declare.");
        }
    }

    public override ValueTask ExecuteAsync(ActivityExecutionContext context)
    {
        var name = VariableName(context.Node.FindProperty(nameof(Variable)))
            ?? throw new InvalidOperationException("no variable is selected.");
        context.SetVariable(name, context.Get(Value));
        context.Complete();
        return ValueTask.CompletedTask;
    }

    /// <summary>The picker writes the whole variable object; a plain name string is accepted too.</summary>
    private static string? VariableName(JsonElement? property) => property switch
    {
        { ValueKind: JsonValueKind.Object } v when v.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String => n.GetString(),
        { ValueKind: JsonValueKind.String } v => v.GetString(),
        _ => null,
    } is { Length: > 0 } name ? name : null;
}
