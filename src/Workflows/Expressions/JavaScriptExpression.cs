using System.Text.RegularExpressions;
using Jint;
using Jint.Native;
using Jint.Native.Json;
using Jint.Runtime;

namespace TicketGate.Workflows.Expressions;

/// <summary>
/// A JavaScript expression run by Jint. Elsa scripts are either an expression (<c>getVariable('A') &gt; 1</c>) or a
/// body with <c>return</c>; the second is wrapped in a function. The parsed script is shared by every evaluation;
/// each evaluation gets a fresh engine bounded by <see cref="ExpressionLimits"/>.
/// </summary>
internal sealed partial class JavaScriptExpression : CompiledExpression
{
    private readonly Prepared<Acornima.Ast.Script> script;
    private readonly ExpressionLimits limits;
    private readonly string[] variableReferences;

    private JavaScriptExpression(Prepared<Acornima.Ast.Script> script, string source, string? typeName, ExpressionLimits limits)
        : base(Model.ExpressionSyntax.JavaScript, typeName)
    {
        this.script = script;
        this.limits = limits;
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match match in VariableCall().Matches(source)) names.Add(match.Groups["name"].Value);
        foreach (Match match in VariablesMember().Matches(source)) names.Add(match.Groups["name"].Value);
        variableReferences = [.. names];
    }

    public override IReadOnlyCollection<string> VariableReferences => variableReferences;

    public override bool IsEmpty => false;

    public static JavaScriptExpression Compile(string source, string? typeName, ExpressionLimits limits)
    {
        if (string.IsNullOrWhiteSpace(source)) throw new ExpressionCompileException("the JavaScript expression is empty.");
        try
        {
            return new(Engine.PrepareScript(source, "expression"), source, typeName, limits);
        }
        catch (Exception first) when (IsSyntaxError(first))
        {
            // A top-level `return` is illegal in a script; Elsa authors write bodies like `return x > 1;`.
            try
            {
                return new(Engine.PrepareScript($"(function () {{\n{source}\n}})()", "expression"), source, typeName, limits);
            }
            catch (Exception e) when (IsSyntaxError(e))
            {
                throw new ExpressionCompileException($"the JavaScript doesn't parse: {(first.InnerException ?? first).Message}", first);
            }
        }
    }

    protected override ValueTask<object?> EvaluateRawAsync(IExpressionScope scope)
    {
        var engine = new Engine(options => options
            .TimeoutInterval(limits.ScriptTimeout)
            .MaxStatements(limits.MaxStatements)
            .LimitRecursion(limits.MaxRecursionDepth)
            .LimitMemory(limits.MaxMemoryBytes)
            .CancellationToken(scope.CancellationToken)
            .Strict(false));
        Bind(engine, scope);
        try
        {
            var result = engine.Evaluate(script);
            return ValueTask.FromResult(ToClr(engine, result));
        }
        catch (JavaScriptException e)
        {
            throw new ExpressionEvaluationException($"the JavaScript threw: {e.Message} (line {e.Location.Start.Line})", e);
        }
        catch (TimeoutException e)
        {
            throw new ExpressionEvaluationException($"the JavaScript ran longer than {limits.ScriptTimeout.TotalSeconds:0.###} s and was stopped.", e);
        }
        catch (Exception e) when (e is StatementsCountOverflowException or RecursionDepthOverflowException or MemoryLimitExceededException
                                      or ExecutionCanceledException)
        {
            throw new ExpressionEvaluationException($"the JavaScript was stopped: {e.Message}", e);
        }
        catch (Exception e) when (e is JintException or InvalidOperationException or ArgumentException)
        {
            throw new ExpressionEvaluationException($"the JavaScript failed: {e.Message}", e);
        }
    }

    private static void Bind(Engine engine, IExpressionScope scope)
    {
        engine.SetValue("getVariable", new Func<string, JsValue>(name => ToJs(engine, scope.Variables.GetValueOrDefault(name))));
        engine.SetValue("setVariable", new Action<string, JsValue>((name, value) => scope.SetVariable(name, ToClr(engine, value))));
        engine.SetValue("getInput", new Func<string, JsValue>(name => ToJs(engine, scope.Input.GetValueOrDefault(name))));
        engine.SetValue("getWorkflowInstanceId", new Func<string>(() => scope.WorkflowInstanceId));
        engine.SetValue("getWorkflowDefinitionId", new Func<string>(() => scope.WorkflowDefinitionId));
        engine.SetValue("getCorrelationId", new Func<string?>(() => scope.CorrelationId));
        engine.SetValue("isNullOrEmpty", new Func<JsValue, bool>(value => value.IsNull() || value.IsUndefined() || (value.IsString() && value.AsString().Length == 0)));
        engine.SetValue("isNullOrWhiteSpace", new Func<JsValue, bool>(value => value.IsNull() || value.IsUndefined() || (value.IsString() && string.IsNullOrWhiteSpace(value.AsString()))));
        engine.SetValue("toJson", new Func<JsValue, string>(value => System.Text.Json.JsonSerializer.Serialize(ToClr(engine, value))));
        engine.SetValue("newGuid", new Func<string>(() => Guid.NewGuid().ToString()));
        engine.SetValue("variables", ToJs(engine, new Dictionary<string, object?>(scope.Variables, StringComparer.Ordinal)));
        engine.SetValue("input", ToJs(engine, new Dictionary<string, object?>(scope.Input, StringComparer.Ordinal)));
    }

    /// <summary>Plain values cross as real JS values (objects and arrays through JSON), not CLR wrappers.</summary>
    private static JsValue ToJs(Engine engine, object? value) => WorkflowTypes.Plain(value) switch
    {
        null => JsValue.Null,
        string s => new JsString(s),
        bool b => b ? JsBoolean.True : JsBoolean.False,
        int or long or short or double or float or decimal => new JsNumber(Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture)),
        TimeSpan or Guid or DateTime or DateTimeOffset => new JsString(WorkflowTypes.ToText(value)),
        var structured => new JsonParser(engine).Parse(System.Text.Json.JsonSerializer.Serialize(structured)),
    };

    private static object? ToClr(Engine engine, JsValue value)
    {
        if (value.IsNull() || value.IsUndefined()) return null;
        if (value.IsNumber())
        {
            var number = value.AsNumber();
            return number == Math.Floor(number) && Math.Abs(number) < 9e15 ? (object)(long)number : number;
        }
        if (value.IsObject() && !value.IsDate())
        {
            // Objects and arrays go back through JSON so functions and prototypes don't leak out.
            var json = new Jint.Native.Json.JsonSerializer(engine).Serialize(value, JsValue.Undefined, JsValue.Undefined);
            return json.IsString() ? WorkflowTypes.ParseJson(json.AsString()) : null;
        }
        return WorkflowTypes.Plain(value.ToObject());
    }

    private static bool IsSyntaxError(Exception e) => e is ScriptPreparationException or Acornima.ParseErrorException;

    [GeneratedRegex("""(?:get|set)Variable\(\s*(?<q>['"])(?<name>[^'"]+)\k<q>""")]
    private static partial Regex VariableCall();

    [GeneratedRegex("""\bvariables\.(?<name>[A-Za-z_$][A-Za-z0-9_$]*)""")]
    private static partial Regex VariablesMember();
}
