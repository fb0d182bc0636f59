using System.Text.RegularExpressions;
using Fluid;

namespace TicketGate.Workflows.Expressions;

/// <summary>The Fluid parser and options shared by every Liquid expression.</summary>
internal sealed class LiquidTemplates
{
    public FluidParser Parser { get; } = new();
    public TemplateOptions Options { get; } = new();
}

/// <summary>
/// A Liquid template rendered by Fluid with the names Elsa offers: <c>Variables</c>, <c>Input</c>,
/// <c>WorkflowInstanceId</c>, <c>WorkflowDefinitionId</c>, <c>CorrelationId</c>.
/// </summary>
internal sealed partial class LiquidExpression : CompiledExpression
{
    private readonly IFluidTemplate template;
    private readonly LiquidTemplates templates;
    private readonly string[] variableReferences;

    private LiquidExpression(IFluidTemplate template, LiquidTemplates templates, string source, string? typeName)
        : base(Model.ExpressionSyntax.Liquid, typeName)
    {
        this.template = template;
        this.templates = templates;
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match match in VariablesMember().Matches(source)) names.Add(match.Groups["name"].Value);
        variableReferences = [.. names];
    }

    public override IReadOnlyCollection<string> VariableReferences => variableReferences;

    public static LiquidExpression Compile(LiquidTemplates templates, string source, string? typeName)
    {
        if (!templates.Parser.TryParse(source, out var template, out var error))
        {
            throw new ExpressionCompileException($"the Liquid template doesn't parse: {error}");
        }
        return new(template, templates, source, typeName);
    }

    protected override async ValueTask<object?> EvaluateRawAsync(IExpressionScope scope)
    {
        var context = new TemplateContext(templates.Options);
        context.SetValue("Variables", ForTemplate(scope.Variables));
        context.SetValue("Input", ForTemplate(scope.Input));
        context.SetValue("WorkflowInstanceId", scope.WorkflowInstanceId);
        context.SetValue("WorkflowDefinitionId", scope.WorkflowDefinitionId);
        context.SetValue("CorrelationId", scope.CorrelationId);
        try
        {
            return await template.RenderAsync(context);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or FormatException or Fluid.ParseException)
        {
            throw new ExpressionEvaluationException($"the Liquid template failed: {e.Message}", e);
        }
    }

    /// <summary>Fluid would print a TimeSpan as a date; templates get the Studio's text forms for such scalars instead.</summary>
    private static Dictionary<string, object?> ForTemplate(IReadOnlyDictionary<string, object?> values)
    {
        var result = new Dictionary<string, object?>(values.Count, StringComparer.Ordinal);
        foreach (var (name, value) in values)
        {
            result[name] = value is TimeSpan or Guid or DateTimeOffset ? WorkflowTypes.ToText(value) : value;
        }
        return result;
    }

    [GeneratedRegex("""\bVariables\.(?<name>[A-Za-z_][A-Za-z0-9_]*)""")]
    private static partial Regex VariablesMember();
}
