using System.Text.Json;
using TicketGate.Workflows.Model;

namespace TicketGate.Workflows.Expressions;

/// <summary>Limits for one script evaluation, so a runaway expression can't stall the runtime.</summary>
public sealed record ExpressionLimits
{
    public TimeSpan ScriptTimeout { get; init; } = TimeSpan.FromSeconds(2);
    public int MaxStatements { get; init; } = 1_000_000;
    public int MaxRecursionDepth { get; init; } = 128;
    public long MaxMemoryBytes { get; init; } = 32L * 1024 * 1024;
}

/// <summary>Compiles the expression syntaxes the Studio writes (contract §3.3) into <see cref="CompiledExpression"/>s.</summary>
public sealed class ExpressionCompiler(ExpressionLimits limits)
{
    private readonly LiquidTemplates liquid = new();

    public ExpressionCompiler() : this(new ExpressionLimits()) { }

    public ExpressionLimits Limits { get; } = limits;

    /// <summary>The syntaxes this runtime evaluates, for the Studio's expression descriptors.</summary>
    public static IReadOnlyList<string> Syntaxes { get; } =
        [ExpressionSyntax.Literal, ExpressionSyntax.Object, ExpressionSyntax.Variable, ExpressionSyntax.Input,
         ExpressionSyntax.JavaScript, ExpressionSyntax.Liquid];

    /// <exception cref="ExpressionCompileException">The expression doesn't parse, or its syntax is unknown.</exception>
    public CompiledExpression Compile(Expression expression, string? typeName)
    {
        var syntax = string.IsNullOrEmpty(expression.Type) ? ExpressionSyntax.Literal : expression.Type;
        var text = expression.Text;
        return syntax switch
        {
            ExpressionSyntax.Literal => LiteralExpression.Create(syntax, text, typeName),
            ExpressionSyntax.Object => LiteralExpression.CreateJson(text, typeName),
            ExpressionSyntax.JavaScript => JavaScriptExpression.Compile(text ?? "", typeName, Limits),
            ExpressionSyntax.Liquid => LiquidExpression.Compile(liquid, text ?? "", typeName),
            ExpressionSyntax.Variable => VariableExpression.Create(text, typeName),
            ExpressionSyntax.Input => InputExpression.Create(text, typeName),
            _ => throw new ExpressionCompileException(
                $"the expression syntax '{syntax}' is not supported here; use one of {string.Join(", ", Syntaxes)}."),
        };
    }
}

/// <summary>A Literal or Object expression: converted once, at compile time, so a wrong value fails the import.</summary>
internal sealed class LiteralExpression : CompiledExpression
{
    private readonly object? value;
    private readonly bool empty;

    private LiteralExpression(string syntax, string? typeName, object? value, bool empty) : base(syntax, typeName)
    {
        this.value = value;
        this.empty = empty;
    }

    public override bool IsEmpty => empty;

    public override bool TryGetConstant(out object? constant)
    {
        constant = value;
        return true;
    }

    public static LiteralExpression Create(string syntax, string? text, string? typeName)
    {
        try
        {
            return new(syntax, typeName, WorkflowTypes.Coerce(text, typeName), string.IsNullOrEmpty(text));
        }
        catch (FormatException e)
        {
            throw new ExpressionCompileException(e.Message, e);
        }
    }

    public static LiteralExpression CreateJson(string? text, string? typeName)
    {
        if (string.IsNullOrWhiteSpace(text)) return new(ExpressionSyntax.Object, typeName, null, true);
        try
        {
            return new(ExpressionSyntax.Object, typeName, WorkflowTypes.Coerce(WorkflowTypes.ParseJson(text), typeName), false);
        }
        catch (JsonException e)
        {
            throw new ExpressionCompileException($"the Object expression is not valid JSON: {e.Message}", e);
        }
        catch (FormatException e)
        {
            throw new ExpressionCompileException(e.Message, e);
        }
    }

    // Arrays and dictionaries are mutable; each evaluation gets its own copy so a script can't change the definition.
    protected override ValueTask<object?> EvaluateRawAsync(IExpressionScope scope) =>
        ValueTask.FromResult(value is Array or Dictionary<string, object?>
            ? WorkflowTypes.ParseJson(JsonSerializer.Serialize(value))
            : value);
}

/// <summary>The Studio's variable picker: the value is the JSON of the variable; we read it by name.</summary>
internal sealed class VariableExpression : CompiledExpression
{
    private readonly string name;

    private VariableExpression(string name, string? typeName) : base(ExpressionSyntax.Variable, typeName) => this.name = name;

    public override IReadOnlyCollection<string> VariableReferences => [name];

    public static VariableExpression Create(string? text, string? typeName) =>
        new(ReadName(text, "variable"), typeName);

    internal static string ReadName(string? text, string what)
    {
        if (string.IsNullOrWhiteSpace(text)) throw new ExpressionCompileException($"no {what} is selected.");
        if (text.TrimStart().StartsWith('{'))
        {
            try
            {
                using var document = JsonDocument.Parse(text);
                if (document.RootElement.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String &&
                    !string.IsNullOrEmpty(name.GetString()))
                {
                    return name.GetString()!;
                }
            }
            catch (JsonException e)
            {
                throw new ExpressionCompileException($"the {what} reference is not valid JSON: {e.Message}", e);
            }
            throw new ExpressionCompileException($"the {what} reference has no name.");
        }
        return text.Trim();
    }

    protected override ValueTask<object?> EvaluateRawAsync(IExpressionScope scope) =>
        ValueTask.FromResult(scope.Variables.GetValueOrDefault(name));
}

/// <summary>The Studio's input picker: the value is the JSON of a workflow input definition.</summary>
internal sealed class InputExpression : CompiledExpression
{
    private readonly string name;

    private InputExpression(string name, string? typeName) : base(ExpressionSyntax.Input, typeName) => this.name = name;

    public static InputExpression Create(string? text, string? typeName) =>
        new(VariableExpression.ReadName(text, "workflow input"), typeName);

    protected override ValueTask<object?> EvaluateRawAsync(IExpressionScope scope) =>
        ValueTask.FromResult(scope.Input.GetValueOrDefault(name));
}
