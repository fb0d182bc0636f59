using System.Text.Json.Nodes;
using TicketGate.Workflows.Runtime;
using static TicketGate.Tests.Workflows.Studio;

namespace TicketGate.Tests.Workflows;

public sealed class FlowchartRunTests(WorkflowDatabase database) : IClassFixture<WorkflowDatabase>
{
    private readonly WorkflowHarness harness = new(database.DataSource);

    private static JsonObject Say(string id, string template) => Activity(id, "Elsa.WriteLine", ("text", Liquid(template)));

    [Theory]
    [InlineData(50, "small")]
    [InlineData(900, "large")]
    public async Task Decision_follows_the_port_its_JavaScript_condition_chooses(int amount, string expected)
    {
        var definition = Definition("decide-" + expected,
            Array(Activity("start", "Elsa.Start"),
                  Activity("if1", "Elsa.FlowDecision", ("condition", Js("Boolean", "return getInput('Amount') > 500;"))),
                  Say("small", "small"), Say("large", "large")),
            Array(Connect("start", "Done", "if1"), Connect("if1", "False", "small"), Connect("if1", "True", "large")));

        var result = await harness.RunAsync(definition, new Dictionary<string, object?> { ["Amount"] = amount });

        Assert.Equal(WorkflowSubStatus.Finished, result.Instance.SubStatus);
        Assert.Equal(["start", "if1", expected], WorkflowHarness.Executed(result.Instance));
        Assert.Equal(expected, WorkflowHarness.Logged(result.Instance, expected));
    }

    [Theory]
    [InlineData("low", "allow")]
    [InlineData("medium", "review")]
    [InlineData("critical", "other")]
    public async Task Switch_takes_the_first_matching_case_or_default(string tier, string expected)
    {
        var cases = new JsonArray(
            new JsonObject { ["label"] = "Low", ["condition"] = new JsonObject { ["type"] = "JavaScript", ["value"] = "getInput('Tier') == 'low'" } },
            new JsonObject { ["label"] = "Medium", ["condition"] = new JsonObject { ["type"] = "Liquid", ["value"] = "{% if Input.Tier == 'medium' %}true{% else %}false{% endif %}" } },
            new JsonObject { ["label"] = "AlsoLow", ["condition"] = new JsonObject { ["type"] = "JavaScript", ["value"] = "getInput('Tier') == 'low'" } });
        var definition = Definition("switch-" + tier,
            Array(Activity("sw", "Elsa.FlowSwitch", ("cases", cases), ("mode", Literal("String", "MatchFirst"))),
                  Say("allow", "allow"), Say("review", "review"), Say("twice", "twice"), Say("other", "other")),
            Array(Connect("sw", "Low", "allow"), Connect("sw", "Medium", "review"), Connect("sw", "AlsoLow", "twice"), Connect("sw", "Default", "other")));

        var result = await harness.RunAsync(definition, new Dictionary<string, object?> { ["Tier"] = tier });

        Assert.Equal(["sw", expected], WorkflowHarness.Executed(result.Instance));
    }

    [Fact]
    public async Task SetVariable_converts_to_the_variable_type_and_later_expressions_see_it()
    {
        var definition = Definition("set-variable",
            Array(Activity("set", "Elsa.SetVariable", ("variable", VariableReference("Escalation", "TimeSpan")), ("value", Js("Object", "'00:' + getInput('Minutes') + ':00'"))),
                  Activity("twice", "Elsa.SetVariable", ("variable", VariableReference("Count", "Int32")), ("value", Js("Object", "variables.Count * 2"))),
                  Say("say", "escalate after {{ Variables.Escalation }}, count {{ Variables.Count }}")),
            Array(Connect("set", "Done", "twice"), Connect("twice", "Done", "say")),
            Array(Variable("Escalation", "TimeSpan", "00:10:00"), Variable("Count", "Int32", "21")));

        var result = await harness.RunAsync(definition, new Dictionary<string, object?> { ["Minutes"] = "15" });

        Assert.Equal(TimeSpan.FromMinutes(15), result.Instance.Variables["Escalation"]);
        Assert.Equal(42, result.Instance.Variables["Count"]);
        Assert.Equal("escalate after 00:15:00, count 42", WorkflowHarness.Logged(result.Instance, "say"));
    }

    [Fact]
    public async Task Start_node_is_the_single_activity_without_inbound_connections()
    {
        var definition = Definition("no-start-node",
            Array(Say("second", "second"), Say("first", "first")),
            Array(Connect("first", "Done", "second")));

        var result = await harness.RunAsync(definition);

        Assert.Equal(["first", "second"], WorkflowHarness.Executed(result.Instance));
    }

    [Fact]
    public async Task Fork_then_WaitAll_join_runs_once_after_both_branches()
    {
        var definition = Definition("fork-join-all",
            Array(Activity("fork", "Elsa.FlowFork", ("branches", Input("String[]", "Object", """["A","B"]"""))),
                  Say("a", "a"), Say("b", "b"),
                  Activity("join", "Elsa.FlowJoin", ("mode", Literal("String", "WaitAll"))), Say("after", "after")),
            Array(Connect("fork", "A", "a"), Connect("fork", "B", "b"), Connect("a", "Done", "join"), Connect("b", "Done", "join"),
                  Connect("join", "Done", "after")));

        var result = await harness.RunAsync(definition);

        var executed = WorkflowHarness.Executed(result.Instance);
        Assert.Equal(1, executed.Count(id => id == "join"));
        Assert.True(executed.IndexOf("join") > executed.IndexOf("a") && executed.IndexOf("join") > executed.IndexOf("b"));
        Assert.Equal("after", executed[^1]);
        Assert.Equal(WorkflowSubStatus.Finished, result.Instance.SubStatus);
    }

    [Fact]
    public async Task Merge_without_join_runs_after_the_untaken_branch_is_skipped()
    {
        var definition = Definition("skip-ripple",
            Array(Activity("if1", "Elsa.FlowDecision", ("condition", Literal("Boolean", "True"))),
                  Say("yes", "yes"), Say("no", "no"), Say("no2", "no2"), Say("merge", "merge")),
            Array(Connect("if1", "True", "yes"), Connect("if1", "False", "no"), Connect("no", "Done", "no2"),
                  Connect("yes", "Done", "merge"), Connect("no2", "Done", "merge")));

        var result = await harness.RunAsync(definition);

        Assert.Equal(["if1", "yes", "merge"], WorkflowHarness.Executed(result.Instance));
    }

    [Fact]
    public async Task WaitAll_join_is_skipped_when_a_branch_was_not_taken()
    {
        var definition = Definition("wait-all-skipped",
            Array(Activity("if1", "Elsa.FlowDecision", ("condition", Literal("Boolean", "False"))),
                  Say("yes", "yes"), Say("no", "no"),
                  Activity("join", "Elsa.FlowJoin", ("mode", Literal("String", "WaitAll"))), Say("after", "after")),
            Array(Connect("if1", "True", "yes"), Connect("if1", "False", "no"), Connect("yes", "Done", "join"), Connect("no", "Done", "join"),
                  Connect("join", "Done", "after")));

        var result = await harness.RunAsync(definition);

        Assert.Equal(["if1", "no"], WorkflowHarness.Executed(result.Instance));
        Assert.Equal(WorkflowSubStatus.Finished, result.Instance.SubStatus);
    }

    [Fact]
    public async Task WaitAny_join_continues_on_the_first_branch_and_cancels_the_waiting_one()
    {
        var definition = Definition("wait-any",
            Array(Activity("fork", "Elsa.FlowFork", ("branches", Input("String[]", "Object", """["A","B"]"""))),
                  Activity("waitA", "Test.WaitForSignal", ("signal", Literal("String", "a"))),
                  Activity("waitB", "Test.WaitForSignal", ("signal", Literal("String", "b"))),
                  Activity("join", "Elsa.FlowJoin", ("mode", Literal("String", "WaitAny"))), Say("after", "after")),
            Array(Connect("fork", "A", "waitA"), Connect("fork", "B", "waitB"), Connect("waitA", "Done", "join"), Connect("waitB", "Done", "join"),
                  Connect("join", "Done", "after")));
        var started = await harness.RunAsync(definition);
        Assert.Equal(2, started.Instance.Bookmarks.Count);

        var resumed = await harness.Runner.ResumeAsync(started.Instance.Bookmarks.Single(b => b.ActivityId == "waitA").Id, "go", TestContext.Current.CancellationToken);

        var instance = resumed.Run!.Instance;
        Assert.Equal(WorkflowSubStatus.Finished, instance.SubStatus);
        Assert.Empty(instance.Bookmarks);
        Assert.Equal(ActivityStatus.Canceled, instance.ActivityExecutions.Single(r => r.ActivityId == "waitB").Status);
        Assert.Equal(["fork", "waitA", "join", "after"], WorkflowHarness.Executed(instance));
        Assert.Equal(1, await database.ScalarAsync(
            $"SELECT count(*) FROM ticketgate.workflow_bookmarks WHERE instance_id = '{instance.Id}' AND cancelled"));
    }

    [Fact]
    public async Task End_finishes_the_workflow_and_drops_other_waits()
    {
        var definition = Definition("end-drops-waits",
            Array(Activity("fork", "Elsa.FlowFork", ("branches", Input("String[]", "Object", """["Wait","End"]"""))),
                  Activity("wait", "Test.WaitForSignal", ("signal", Literal("String", "never"))), Activity("end", "Elsa.End")),
            Array(Connect("fork", "Wait", "wait"), Connect("fork", "End", "end")));

        var result = await harness.RunAsync(definition);

        Assert.Equal((WorkflowStatus.Finished, WorkflowSubStatus.Finished), (result.Instance.Status, result.Instance.SubStatus));
        Assert.Empty(result.Instance.Bookmarks);
    }

    [Fact]
    public async Task Loop_back_edge_reruns_its_body_until_the_condition_ends_it()
    {
        var definition = Definition("loop",
            Array(Activity("init", "Elsa.SetVariable", ("variable", VariableReference("I", "Int32")), ("value", Literal("Object", "0"))),
                  Activity("inc", "Elsa.SetVariable", ("variable", VariableReference("I", "Int32")), ("value", Js("Object", "variables.I + 1"))),
                  Activity("more", "Elsa.FlowDecision", ("condition", Js("Boolean", "variables.I < 3"))), Say("done", "looped {{ Variables.I }}")),
            Array(Connect("init", "Done", "inc"), Connect("inc", "Done", "more"), Connect("more", "True", "inc"), Connect("more", "False", "done")),
            Array(Variable("I", "Int32", "0")));

        var result = await harness.RunAsync(definition);

        Assert.Empty(result.Instance.Incidents);
        Assert.Equal(["init", "inc", "more", "inc", "more", "inc", "more", "done"], WorkflowHarness.Executed(result.Instance));
        Assert.Equal("looped 3", WorkflowHarness.Logged(result.Instance, "done"));
        Assert.Equal(3, WorkflowHarness.Executed(result.Instance).Count(id => id == "inc"));
    }

    [Fact]
    public async Task Throwing_activity_faults_the_instance_with_an_incident_naming_it()
    {
        var definition = Definition("faults",
            Array(Say("before", "before"), Activity("jira", "Test.Explode"), Say("after", "after")),
            Array(Connect("before", "Done", "jira"), Connect("jira", "Done", "after")));

        var result = await harness.RunAsync(definition);

        Assert.True(result.IsFaulted);
        Assert.Equal((WorkflowStatus.Finished, WorkflowSubStatus.Faulted), (result.Instance.Status, result.Instance.SubStatus));
        var incident = Assert.Single(result.Instance.Incidents);
        Assert.Equal(incident, result.Fault);
        Assert.Equal(("jira", "Test.Explode"), (incident.ActivityId, incident.ActivityType));
        Assert.Contains("503", incident.Message);
        Assert.DoesNotContain("after", WorkflowHarness.Executed(result.Instance));
        var stored = await harness.Instances.FindAsync(result.Instance.Id, TestContext.Current.CancellationToken);
        Assert.Equal(WorkflowSubStatus.Faulted, stored!.SubStatus);
        Assert.Equal("jira", Assert.Single(stored.Incidents).ActivityId);
    }

    [Fact]
    public async Task Script_failing_at_run_time_faults_the_activity_and_names_the_input()
    {
        var definition = Definition("script-fault",
            Array(Activity("if1", "Elsa.FlowDecision", ("condition", Js("Boolean", "return getInput('Ticket').status == 'open';")))), []);

        var result = await harness.RunAsync(definition);

        Assert.True(result.IsFaulted);
        Assert.Equal("if1", result.Fault!.ActivityId);
        Assert.Contains("input 'Condition'", result.Fault.Message);
    }
}
