using System.Text.Json.Nodes;
using TicketGate.Workflows.Activities;
using TicketGate.Workflows.Definitions;
using TicketGate.Workflows.Expressions;
using TicketGate.Workflows.Runtime;
using static TicketGate.Tests.Workflows.Studio;

namespace TicketGate.Tests.Workflows;

public sealed class ValidationTests
{
    private readonly WorkflowCompiler compiler =
        new(new ActivityRegistry().AddGenericActivities().Add(new WaitForSignal()), new ExpressionCompiler());

    private WorkflowValidationException Reject(JsonObject definition) =>
        Assert.Throws<WorkflowValidationException>(() => compiler.Compile(definition.ToJsonString()));

    private static JsonObject Decision(string condition, string syntax = "JavaScript") =>
        Definition("d", Array(Activity("start", "Elsa.Start"), Activity("if1", "Elsa.FlowDecision", ("condition", Input("Boolean", syntax, condition)))),
            Array(Connect("start", "Done", "if1")), Array(Variable("Amount", "Int32", "5")));

    [Fact]
    public void Malformed_json_is_rejected_with_its_position()
    {
        var e = Assert.Throws<WorkflowValidationException>(() => compiler.Compile("{ \"definitionId\": \"x\", \"root\": { "));

        var problem = Assert.Single(e.Problems);
        Assert.Contains("not valid JSON", problem.Message);
        Assert.Contains("line 1", problem.Message);
    }

    [Fact]
    public void Root_other_than_flowchart_is_rejected()
    {
        var definition = Definition("d", [], []);
        definition["root"]!["type"] = "Elsa.Sequence";

        var problem = Assert.Single(Reject(definition).Problems);
        Assert.Equal("fc1", problem.ActivityId);
        Assert.Contains("Elsa.Sequence", problem.Message);
        Assert.Contains("Elsa.Flowchart", problem.Message);
    }

    [Fact]
    public void Unknown_activity_type_names_the_activity_and_the_known_types()
    {
        var problem = Assert.Single(Reject(Definition("d", Array(Activity("risk1", "TicketGate.Nonexistent")), [])).Problems);

        Assert.Equal("risk1", problem.ActivityId);
        Assert.Contains("TicketGate.Nonexistent", problem.Message);
        Assert.Contains("Elsa.FlowDecision", problem.Message);
    }

    [Fact]
    public void Connection_to_an_unknown_activity_or_port_is_rejected()
    {
        var definition = Definition("d",
            Array(Activity("if1", "Elsa.FlowDecision", ("condition", Literal("Boolean", "True"))), Activity("log1", "Elsa.WriteLine")),
            Array(Connect("if1", "Maybe", "log1"), Connect("if1", "True", "ghost")));

        var problems = Reject(definition).Problems;

        Assert.Contains(problems, p => p.ActivityId == "if1" && p.Message.Contains("'Maybe'") && p.Message.Contains("True, False"));
        Assert.Contains(problems, p => p.ActivityId == "ghost" && p.Message.Contains("isn't in the flowchart"));
    }

    [Fact]
    public void JavaScript_that_does_not_parse_names_activity_and_input()
    {
        var problem = Assert.Single(Reject(Decision("return getVariable('Amount') > ;")).Problems);

        Assert.Equal("if1", problem.ActivityId);
        Assert.Equal("Condition", problem.Input);
        Assert.Contains("JavaScript doesn't parse", problem.Message);
    }

    [Fact]
    public void Liquid_that_does_not_parse_names_activity_and_input()
    {
        var definition = Definition("d", Array(Activity("say", "Elsa.WriteLine", ("text", Liquid("Hello {{ Variables.Amount ")))), []);

        var problem = Assert.Single(Reject(definition).Problems);

        Assert.Equal("say", problem.ActivityId);
        Assert.Equal("Text", problem.Input);
        Assert.Contains("Liquid", problem.Message);
    }

    [Fact]
    public void Required_input_left_empty_is_rejected()
    {
        var missing = Definition("d", Array(Activity("if1", "Elsa.FlowDecision")), []);
        var empty = Decision("", "Literal");

        Assert.Contains(Reject(missing).Problems, p => p is { ActivityId: "if1", Input: "Condition" } && p.Message.Contains("required"));
        Assert.Contains(Reject(empty).Problems, p => p is { ActivityId: "if1", Input: "Condition" } && p.Message.Contains("required"));
    }

    [Fact]
    public void Script_naming_an_undeclared_variable_is_rejected()
    {
        var problem = Assert.Single(Reject(Decision("return getVariable('Amuont') > 3;")).Problems);

        Assert.Equal("if1", problem.ActivityId);
        Assert.Equal("Condition", problem.Input);
        Assert.Contains("'Amuont'", problem.Message);
    }

    [Fact]
    public void Literal_that_is_not_of_the_input_type_is_rejected()
    {
        var definition = Definition("d", Array(Activity("wait", "Elsa.Delay", ("timeSpan", Literal("TimeSpan", "ten minutes")))), []);

        var problem = Assert.Single(Reject(definition).Problems);

        Assert.Equal("wait", problem.ActivityId);
        Assert.Equal("TimeSpan", problem.Input);
        Assert.Contains("ten minutes", problem.Message);
    }

    [Fact]
    public void SetVariable_of_an_undeclared_variable_is_rejected()
    {
        var definition = Definition("d",
            Array(Activity("set", "Elsa.SetVariable", ("variable", VariableReference("Ghost", "String")), ("value", Literal("Object", "x")))), []);

        var problem = Assert.Single(Reject(definition).Problems);

        Assert.Equal("set", problem.ActivityId);
        Assert.Equal("Variable", problem.Input);
    }

    [Fact]
    public void Every_problem_is_reported_at_once_in_the_message()
    {
        var definition = Definition("many",
            Array(Activity("a", "Nope.Nope"), Activity("b", "Elsa.FlowDecision", ("condition", Js("Boolean", "(("))),
                  Activity("c", "Elsa.WriteLine", ("text", Liquid("{% if %}")))),
            Array(Connect("b", "True", "zzz")));

        var e = Reject(definition);

        Assert.Equal(4, e.Problems.Count);
        Assert.Contains("'many'", e.Message);
        Assert.Contains("activity 'b', input 'Condition'", e.Message);
        Assert.Contains("activity 'c', input 'Text'", e.Message);
    }
}
