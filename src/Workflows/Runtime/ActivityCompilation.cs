using TicketGate.Workflows.Expressions;
using TicketGate.Workflows.Model;

namespace TicketGate.Workflows.Runtime;

/// <summary>
/// Handed to <see cref="WorkflowActivity.Compile"/> at import/publish: lets an activity compile expressions kept in
/// its own structures and report problems against the node and an input, which reject the definition.
/// </summary>
public sealed class ActivityCompilation
{
    private readonly ExpressionCompiler compiler;
    private readonly Func<string, bool> variableExists;
    private readonly Action<string?, string> report;
    private readonly Dictionary<string, CompiledExpression> expressions = new(StringComparer.Ordinal);

    internal ActivityCompilation(Activity node, ActivityDescriptor descriptor, ExpressionCompiler compiler,
        Func<string, bool> variableExists, Action<string?, string> report)
    {
        Node = node;
        Descriptor = descriptor;
        this.compiler = compiler;
        this.variableExists = variableExists;
        this.report = report;
    }

    public Activity Node { get; }
    public ActivityDescriptor Descriptor { get; }

    internal IReadOnlyDictionary<string, CompiledExpression> Expressions => expressions;

    /// <summary>Compiles <paramref name="expression"/> under <paramref name="key"/>; read it back with <see cref="ActivityExecutionContext.EvaluateAsync"/>.</summary>
    public void CompileExpression(string key, Expression expression, string? typeName, string inputName)
    {
        try
        {
            var compiled = compiler.Compile(expression, typeName);
            foreach (var name in compiled.VariableReferences)
            {
                if (!variableExists(name)) Problem(inputName, $"refers to variable '{name}', which the workflow doesn't declare.");
            }
            expressions[key] = compiled;
        }
        catch (ExpressionCompileException e)
        {
            Problem(inputName, e.Message);
        }
    }

    public bool VariableExists(string name) => variableExists(name);

    public void Problem(string? inputName, string message) => report(inputName, message);
}
