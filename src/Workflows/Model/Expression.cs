using System.Text.Json;
using System.Text.Json.Serialization;

namespace TicketGate.Workflows.Model;

/// <summary>
/// An input's expression (contract §3.3): <see cref="Type"/> names the syntax (Literal, Object, JavaScript, Liquid,
/// Variable, Input) and <see cref="Value"/> holds its text, or occasionally a raw JSON primitive for Literal.
/// </summary>
public sealed class Expression
{
    public string? Type { get; set; }
    public JsonElement? Value { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extensions { get; set; }

    /// <summary>The value as text: strings as they are, other primitives in their JSON form, null for null/absent.</summary>
    [JsonIgnore]
    public string? Text => Value switch
    {
        null => null,
        { ValueKind: JsonValueKind.Null or JsonValueKind.Undefined } => null,
        { ValueKind: JsonValueKind.String } v => v.GetString(),
        { ValueKind: JsonValueKind.True } => "True",
        { ValueKind: JsonValueKind.False } => "False",
        { } v => v.GetRawText(),
    };

    public static Expression Literal(string? text) =>
        new() { Type = ExpressionSyntax.Literal, Value = JsonSerializer.SerializeToElement(text) };

    public static Expression Of(string syntax, string text) =>
        new() { Type = syntax, Value = JsonSerializer.SerializeToElement(text) };
}

/// <summary>The expression syntaxes the Studio writes. Only these are evaluated; others are rejected at import.</summary>
public static class ExpressionSyntax
{
    public const string Literal = "Literal";
    public const string Object = "Object";
    public const string JavaScript = "JavaScript";
    public const string Liquid = "Liquid";
    public const string Variable = "Variable";
    public const string Input = "Input";
}

/// <summary>A wrapped input: <c>{ typeName, expression, memoryReference }</c>. <c>typeName</c> may be missing.</summary>
public sealed class WrappedInput
{
    public string? TypeName { get; set; }
    public Expression? Expression { get; set; }
    public MemoryReference? MemoryReference { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extensions { get; set; }
}

/// <summary>Where an output goes: a variable id, or a workflow output name.</summary>
public sealed class MemoryReference
{
    public string? Id { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extensions { get; set; }
}
