namespace TicketGate.Workflows.Expressions;

/// <summary>
/// An expression parsed once at import or publish, evaluated many times. The result is converted to the
/// <see cref="TypeName"/> it was compiled for.
/// </summary>
public abstract class CompiledExpression
{
    protected CompiledExpression(string syntax, string? typeName)
    {
        Syntax = syntax;
        TypeName = typeName;
    }

    public string Syntax { get; }
    public string? TypeName { get; }

    /// <summary>Variable names the source names literally (<c>getVariable('x')</c>, <c>{{ Variables.x }}</c>), for validation.</summary>
    public virtual IReadOnlyCollection<string> VariableReferences => [];

    /// <summary>True when the expression has no content (an empty literal), for required-input checks.</summary>
    public virtual bool IsEmpty => false;

    /// <summary>The value when it is fixed at compile time (Literal and Object expressions).</summary>
    public virtual bool TryGetConstant(out object? value)
    {
        value = null;
        return false;
    }

    /// <exception cref="ExpressionEvaluationException">The expression failed; the message says how.</exception>
    public async ValueTask<object?> EvaluateAsync(IExpressionScope scope)
    {
        var raw = await EvaluateRawAsync(scope);
        try
        {
            return WorkflowTypes.Coerce(raw, TypeName);
        }
        catch (FormatException e)
        {
            throw new ExpressionEvaluationException($"{Syntax} expression produced {e.Message}", e);
        }
    }

    protected abstract ValueTask<object?> EvaluateRawAsync(IExpressionScope scope);
}

/// <summary>An expression that doesn't parse, or names an unknown syntax. Raised at compile time only.</summary>
public sealed class ExpressionCompileException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>An expression failed while running (script error, time limit, wrong result type).</summary>
public sealed class ExpressionEvaluationException(string message, Exception? inner = null) : Exception(message, inner);
