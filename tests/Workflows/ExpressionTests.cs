using TicketGate.Workflows.Expressions;
using TicketGate.Workflows.Model;

namespace TicketGate.Tests.Workflows;

public sealed class ExpressionTests
{
    private readonly ExpressionCompiler compiler = new(new ExpressionLimits { ScriptTimeout = TimeSpan.FromMilliseconds(300) });

    private sealed class Scope : IExpressionScope
    {
        public Dictionary<string, object?> Values { get; } = new() { ["Amount"] = 120, ["Approvers"] = new[] { "alice", "bob" } };
        public string WorkflowInstanceId => "wi-1";
        public string WorkflowDefinitionId => "refunds";
        public string? CorrelationId => "TICKET-4711";
        public IReadOnlyDictionary<string, object?> Variables => Values;
        public IReadOnlyDictionary<string, object?> Input { get; } = new Dictionary<string, object?> { ["TicketId"] = "T-9", ["Tier"] = "high" };
        public void SetVariable(string name, object? value) => Values[name] = value;
        public CancellationToken CancellationToken => TestContext.Current.CancellationToken;
    }

    private Task<object?> Evaluate(string syntax, string text, string typeName, Scope? scope = null) =>
        compiler.Compile(Expression.Of(syntax, text), typeName).EvaluateAsync(scope ?? new Scope()).AsTask();

    [Theory]
    [InlineData("Int32", "50", 50)]
    [InlineData("Boolean", "True", true)]
    [InlineData("Boolean", "false", false)]
    [InlineData("Double", "2.5", 2.5)]
    [InlineData("String", "plain text", "plain text")]
    public async Task Literal_is_read_as_the_input_type(string typeName, string text, object expected)
    {
        Assert.Equal(expected, await Evaluate("Literal", text, typeName));
    }

    [Fact]
    public async Task Literal_time_span_array_and_json_object_are_typed()
    {
        Assert.Equal(TimeSpan.FromMinutes(10), await Evaluate("Literal", "00:10:00", "TimeSpan"));
        Assert.Equal(TimeSpan.FromDays(2), await Evaluate("Literal", "2.00:00:00", "TimeSpan"));
        Assert.Equal(new[] { "team-lead", "dba" }, await Evaluate("Object", """["team-lead","dba"]""", "String[]"));
        var obj = Assert.IsType<Dictionary<string, object?>>(await Evaluate("Object", """{"tier":"high","count":2}""", "ObjectDictionary"));
        Assert.Equal("high", obj["tier"]);
        Assert.Equal(2L, Assert.IsType<long>(obj["count"]));
    }

    [Fact]
    public async Task JavaScript_accepts_expressions_and_bodies_with_return()
    {
        Assert.Equal(true, await Evaluate("JavaScript", "getVariable('Amount') > 100", "Boolean"));
        Assert.Equal(false, await Evaluate("JavaScript", "return getVariable('Amount') > 500;", "Boolean"));
        Assert.Equal(240, await Evaluate("JavaScript", "if (variables.Amount > 100) { return variables.Amount * 2; } return 0;", "Int32"));
        Assert.Equal("T-9/high/wi-1/TICKET-4711", await Evaluate("JavaScript",
            "getInput('TicketId') + '/' + input.Tier + '/' + getWorkflowInstanceId() + '/' + getCorrelationId()", "String"));
        Assert.Equal(2, await Evaluate("JavaScript", "getVariable('Approvers').length", "Int32"));
    }

    [Fact]
    public async Task JavaScript_setVariable_writes_through_the_scope()
    {
        var scope = new Scope();

        await Evaluate("JavaScript", "setVariable('Decision', { approved: true, by: ['alice'] }); return true;", "Boolean", scope);

        var decision = Assert.IsType<Dictionary<string, object?>>(scope.Values["Decision"]);
        Assert.Equal(true, decision["approved"]);
        Assert.Equal(new object?[] { "alice" }, decision["by"]);
    }

    [Fact]
    public async Task Runaway_JavaScript_is_stopped_by_the_time_limit()
    {
        var started = System.Diagnostics.Stopwatch.StartNew();

        var e = await Assert.ThrowsAsync<ExpressionEvaluationException>(() => Evaluate("JavaScript", "while (true) {}", "Boolean"));

        Assert.True(started.Elapsed < TimeSpan.FromSeconds(5), $"took {started.Elapsed}");
        Assert.Contains("JavaScript", e.Message);
    }

    [Fact]
    public async Task JavaScript_error_and_wrong_result_type_are_evaluation_failures()
    {
        var thrown = await Assert.ThrowsAsync<ExpressionEvaluationException>(() => Evaluate("JavaScript", "throw new Error('no approvers')", "Boolean"));
        var mistyped = await Assert.ThrowsAsync<ExpressionEvaluationException>(() => Evaluate("JavaScript", "'soon'", "TimeSpan"));

        Assert.Contains("no approvers", thrown.Message);
        Assert.Contains("soon", mistyped.Message);
    }

    [Fact]
    public async Task Liquid_sees_variables_input_and_instance_names()
    {
        var text = await Evaluate("Liquid",
            "Refund {{ Variables.Amount }} for {{ Input.TicketId }} ({{ WorkflowDefinitionId }}/{{ WorkflowInstanceId }}, {{ Variables.Approvers | size }} approvers)",
            "String");

        Assert.Equal("Refund 120 for T-9 (refunds/wi-1, 2 approvers)", text);
    }

    [Fact]
    public async Task Variable_and_input_pickers_read_by_name()
    {
        Assert.Equal(120, await Evaluate("Variable", """{"id":"v-amount","name":"Amount","typeName":"Int32","isArray":false,"value":"0"}""", "Int32"));
        Assert.Equal("T-9", await Evaluate("Input", """{"name":"TicketId","type":"String"}""", "String"));
    }

    [Fact]
    public void Unknown_syntax_is_refused_at_compile_time()
    {
        var e = Assert.Throws<ExpressionCompileException>(() => compiler.Compile(Expression.Of("CSharp", "return 1;"), "Int32"));

        Assert.Contains("CSharp", e.Message);
    }
}
