using System.Text.Json;
using Npgsql;
using TicketGate.Workflows.Activities;
using TicketGate.Workflows.Approvals;
using TicketGate.Workflows.Definitions;
using TicketGate.Workflows.Expressions;
using TicketGate.Workflows.Model;
using TicketGate.Workflows.Runtime;
using TicketGate.Workflows.Ticketing;

namespace TicketGate.Tests.Approvals;

/// <summary>The TicketGate activities as the Studio will list them, and workflows/approval.json as shipped.</summary>
public sealed class ApprovalDefinitionTests : IDisposable
{
    private readonly NpgsqlDataSource unused = NpgsqlDataSource.Create("Host=127.0.0.1;Port=1");
    private readonly ActivityRegistry registry;

    public ApprovalDefinitionTests()
    {
        var requests = new ApprovalRequestStore(unused, "test");
        registry = new ActivityRegistry().AddGenericActivities()
            .AddTicketGateActivities(requests, new InProcessDecisionPublisher(new DecisionSignals()), new UnconfiguredTicketDesk(),
                new LoggingEscalationNotifier(Microsoft.Extensions.Logging.Abstractions.NullLogger<LoggingEscalationNotifier>.Instance));
    }

    public void Dispose() => unused.Dispose();

    [Theory]
    [InlineData("TicketGate.RiskTier", "TicketGate", "Low,Medium,High,Critical")]
    [InlineData("TicketGate.RequestApproval", "TicketGate", "Approved,Rejected,TimedOut")]
    [InlineData("TicketGate.Escalate", "TicketGate", "")]
    [InlineData("TicketGate.FallbackPolicy", "TicketGate", "Allowed,Denied")]
    [InlineData("TicketGate.Allow", "TicketGate", "")]
    [InlineData("TicketGate.Deny", "TicketGate", "")]
    [InlineData("TicketGate.OpenJiraIssue", "Ticketing", "Opened,Unavailable")]
    [InlineData("TicketGate.OpenServiceNowChange", "Ticketing", "Opened,Unavailable")]
    [InlineData("TicketGate.WaitForTicketDecision", "Ticketing", "Approved,Rejected,Unavailable")]
    public void Each_activity_has_a_descriptor_with_its_category_and_outcomes(string typeName, string category, string outcomes)
    {
        var descriptor = registry.Find(typeName)!.Descriptor;

        Assert.Equal(category, descriptor.Category);
        Assert.Equal(outcomes, string.Join(",", descriptor.Ports.Select(p => p.Name)));
        Assert.False(string.IsNullOrEmpty(descriptor.Description));
        Assert.All(descriptor.Inputs, input => Assert.True(input.IsBrowsable && input.Description is { Length: > 0 }, input.Name));
    }

    [Fact]
    public void RequestApproval_inputs_are_typed_with_hints_and_defaults()
    {
        var inputs = registry.Find("TicketGate.RequestApproval")!.Descriptor.Inputs.ToDictionary(i => i.Name);

        Assert.Equal(("String[]", InputUIHints.MultiText), (inputs["ApproverGroups"].TypeName, inputs["ApproverGroups"].UIHint));
        Assert.Equal(("Int32", (object?)1), (inputs["RequiredApprovals"].TypeName, inputs["RequiredApprovals"].DefaultValue));
        Assert.Equal("TimeSpan", inputs["Deadline"].TypeName);
        var fallback = registry.Find("TicketGate.FallbackPolicy")!.Descriptor.FindInput("Mode")!;
        Assert.Equal((InputUIHints.Dropdown, (object?)"Block"), (fallback.UIHint, fallback.DefaultValue));
    }

    [Fact]
    public void Allow_and_Deny_end_the_workflow()
    {
        Assert.True(registry.Find("TicketGate.Allow")!.Descriptor.IsTerminal);
        Assert.True(registry.Find("TicketGate.Deny")!.Descriptor.IsTerminal);
    }

    [Fact]
    public void Shipped_approval_json_compiles_and_keeps_its_durations_in_variables()
    {
        var compiler = new WorkflowCompiler(registry, new ExpressionCompiler());

        var workflow = compiler.Compile(File.ReadAllText(ApprovalWorkflowFile.Shipped));

        Assert.Equal(ApprovalWorkflowBindings.DefaultApprovalDefinition, workflow.DefinitionId);
        var values = workflow.Definition.Variables!.ToDictionary(v => v.Name, v => v.Value);
        Assert.Equal("00:10:00", values["MediumEscalateAfter"]);
        Assert.Equal("00:30:00", values["MediumDeadline"]);
        Assert.Equal("00:15:00", values["HighEscalateAfter"]);
        Assert.Equal("01:00:00", values["HighDeadline"]);
        Assert.Equal("2", values["HighApprovals"]);
        Assert.Equal("change-managers", values["EscalationGroup"]);
        Assert.Equal("MediumDeadline", VariableOf(workflow, "medium-approval", "deadline"));
        Assert.Equal("HighDeadline", VariableOf(workflow, "high-approval", "deadline"));
        Assert.Equal("HighApprovals", VariableOf(workflow, "high-approval", "requiredApprovals"));
        Assert.Equal("MediumEscalateAfter", VariableOf(workflow, "medium-escalate", "after"));
        Assert.Equal("HighEscalateAfter", VariableOf(workflow, "high-escalate", "after"));
    }

    private static string VariableOf(CompiledWorkflow workflow, string activityId, string input)
    {
        var property = workflow.Find(activityId)!.Node.FindProperty(input)!.Value;
        var expression = property.GetProperty("expression");
        Assert.Equal("Variable", expression.GetProperty("type").GetString());
        using var variable = JsonDocument.Parse(expression.GetProperty("value").GetString()!);
        return variable.RootElement.GetProperty("name").GetString()!;
    }
}
