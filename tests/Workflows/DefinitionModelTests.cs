using System.Text.Json;
using System.Text.Json.Nodes;
using TicketGate.Workflows.Activities;
using TicketGate.Workflows.Definitions;
using TicketGate.Workflows.Expressions;
using TicketGate.Workflows.Model;
using TicketGate.Workflows.Runtime;

namespace TicketGate.Tests.Workflows;

public sealed class DefinitionModelTests
{
    /// <summary>Contract §3.4 with what the Studio adds on the way (links, options, log persistence, variable test values, vertices).</summary>
    private const string StudioSaved = """
        {
          "id": "c0ffee000000a001", "definitionId": "refund-approval", "name": "Refund approval", "description": "Ask a supervisor before refunding",
          "createdAt": "2026-03-02T09:15:00+00:00", "version": 1, "toolVersion": "3.8.0",
          "isLatest": true, "isPublished": false, "isReadonly": false, "isSystem": false, "materializerName": "Json",
          "options": { "activationStrategyType": null, "usableAsActivity": false, "autoUpdateConsumingWorkflows": false,
                       "activityCategory": null, "incidentStrategyType": null, "commitStrategyName": null },
          "variables": [ { "id": "v-amount", "name": "Amount", "typeName": "Decimal", "isArray": false, "value": "0", "storageDriverTypeName": "WorkflowInstance" },
                         { "id": "v-decision", "name": "Decision", "typeName": "String", "isArray": false, "value": null, "storageDriverTypeName": "WorkflowInstance" } ],
          "inputs": [ { "name": "TicketId", "displayName": "Ticket", "type": "String", "isArray": false, "uiHint": "singleline", "description": "", "category": "", "storageDriverType": null } ],
          "outputs": [], "outcomes": [],
          "customProperties": { "logPersistenceConfig": { "default": { "evaluationMode": "Strategy", "strategyType": "Include", "expression": null } },
                                "VariableTestValues": {} },
          "root": {
            "id": "fc01", "nodeId": "Workflow1:fc01", "type": "Elsa.Flowchart", "version": 1, "name": "Flowchart1",
            "customProperties": {}, "metadata": {}, "variables": [],
            "activities": [
              { "id": "start1", "nodeId": "Workflow1:fc01:start1", "type": "Elsa.Start", "version": 1, "name": "Start1",
                "customProperties": { "canStartWorkflow": false },
                "metadata": { "designer": { "position": { "x": -320, "y": 120 }, "size": { "width": 110, "height": 50 } } } },
              { "id": "ask1", "nodeId": "Workflow1:fc01:ask1", "type": "Test.WaitForSignal", "version": 1, "name": "WaitForSignal1",
                "signal":  { "typeName": "String", "expression": { "type": "Liquid", "value": "Refund {{ Variables.Amount }} EUR for {{ Input.TicketId }}?" }, "memoryReference": { "id": "ask1:input-signal" } },
                "received": { "typeName": "Object", "memoryReference": { "id": "v-decision" } },
                "futureStudioProperty": { "nested": [1, 2, { "deep": true }] },
                "customProperties": { "runAsynchronously": false, "unknownKey": "kept" },
                "metadata": { "displayText": "Supervisor approval", "showDescription": false,
                              "designer": { "position": { "x": -60.5, "y": 120 }, "size": { "width": 220.890625, "height": 60 } } } },
              { "id": "end1", "nodeId": "Workflow1:fc01:end1", "type": "Elsa.End", "version": 1, "name": "End1",
                "metadata": { "designer": { "position": { "x": 260, "y": 60 }, "size": { "width": 100, "height": 50 } } } }
            ],
            "connections": [
              { "source": { "activity": "start1", "port": "Done" }, "target": { "activity": "ask1", "port": "In" }, "vertices": [] },
              { "source": { "activity": "ask1", "port": "Done" }, "target": { "activity": "end1", "port": "In" }, "vertices": [ { "x": 10, "y": 20 } ] }
            ]
          },
          "links": [ { "href": "/workflow-definitions/refund-approval/publish", "rel": "publish", "method": "POST" } ]
        }
        """;

    private static WorkflowCompiler Compiler() =>
        new(new ActivityRegistry().AddGenericActivities().Add(new WaitForSignal()), new ExpressionCompiler());

    [Fact]
    public void Studio_saved_definition_round_trips_with_every_unknown_property()
    {
        var saved = WorkflowJson.Serialize(WorkflowJson.Parse(StudioSaved));

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(StudioSaved), JsonNode.Parse(saved)), saved);
    }

    [Fact]
    public void Save_load_save_produces_identical_text()
    {
        var once = WorkflowJson.Serialize(WorkflowJson.Parse(StudioSaved));
        var twice = WorkflowJson.Serialize(WorkflowJson.Parse(once));

        Assert.Equal(once, twice);
    }

    [Fact]
    public void Studio_saved_definition_compiles_with_typed_inputs_and_output_binding()
    {
        var workflow = Compiler().Compile(StudioSaved);

        Assert.Equal("start1", workflow.StartNode(null)!.Id);
        var ask = workflow.Find("ask1")!;
        Assert.Equal("Liquid", ask.Inputs.Single(i => i.Descriptor.Name == "Signal").Expression!.Syntax);
        Assert.Equal("Decision", ask.OutputBindings["Received"]);
        Assert.Equal(["Done"], ask.Ports);
        Assert.Empty(workflow.Find("end1")!.Ports);
    }

    [Fact]
    public void Root_template_from_the_create_dialog_loads_without_activities()
    {
        const string created = """
            {"definitionId":null,"name":"Workflow 1","description":null,"toolVersion":"3.8.0.0","variables":null,"inputs":null,
             "outputs":null,"outcomes":null,"customProperties":null,"isReadonly":false,"options":null,
             "root":{"id":"4a27d955967b96a2","type":"Elsa.Flowchart","version":1,"name":"Flowchart1"},
             "links":null,"createdAt":"0001-01-01T00:00:00+00:00","version":1,"isLatest":true,"isPublished":false,"id":null}
            """;

        var definition = WorkflowJson.Parse(created);
        var workflow = Compiler().Compile(definition);

        Assert.Empty(workflow.Activities);
        Assert.Null(workflow.StartNode(null));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(created), JsonNode.Parse(WorkflowJson.Serialize(definition))));
    }

    [Fact]
    public void Content_hash_ignores_server_assigned_fields_and_key_order()
    {
        var a = WorkflowJson.Parse(StudioSaved);
        var b = WorkflowJson.Parse(StudioSaved);
        b.Id = "another-version";
        b.Version = 7;
        b.IsPublished = true;
        var reordered = WorkflowJson.Parse(JsonSerializer.Serialize(JsonNode.Parse(StudioSaved)!.AsObject().OrderByDescending(p => p.Key)
            .ToDictionary(p => p.Key, p => p.Value?.DeepClone())));

        Assert.Equal(WorkflowJson.ContentHash(a), WorkflowJson.ContentHash(b));
        Assert.Equal(WorkflowJson.ContentHash(a), WorkflowJson.ContentHash(reordered));
        a.Root!.Activities![1].Name = "Renamed";
        Assert.NotEqual(WorkflowJson.ContentHash(a), WorkflowJson.ContentHash(b));
    }

    [Fact]
    public void Descriptors_follow_the_studio_shape()
    {
        var registry = new ActivityRegistry().AddGenericActivities();
        var json = JsonSerializer.SerializeToNode(registry.Descriptors, WorkflowJson.Options)!.AsArray();

        var flowchart = json.Single(d => (string?)d!["typeName"] == "Elsa.Flowchart")!;
        Assert.False((bool)flowchart["isBrowsable"]!);
        Assert.True((bool)flowchart["isContainer"]!);

        var decision = json.Single(d => (string?)d!["typeName"] == "Elsa.FlowDecision")!;
        Assert.Equal("Action", (string?)decision["kind"]);
        Assert.Equal(["True", "False"], decision["ports"]!.AsArray().Select(p => (string?)p!["name"]));
        Assert.All(decision["ports"]!.AsArray(), p => Assert.Equal("Flow", (string?)p!["type"]));
        var condition = decision["inputs"]!.AsArray().Single()!;
        Assert.Equal("Condition", (string?)condition["name"]);
        Assert.Equal("Boolean", (string?)condition["typeName"]);
        Assert.True((bool)condition["isBrowsable"]!);
        Assert.True((bool)condition["isWrapped"]!);

        var delay = json.Single(d => (string?)d!["typeName"] == "Elsa.Delay")!;
        Assert.Equal("TimeSpan", (string?)delay["inputs"]![0]!["typeName"]);
        Assert.Equal("00:01:00", (string?)delay["inputs"]![0]!["defaultValue"]);

        var join = json.Single(d => (string?)d!["typeName"] == "Elsa.FlowJoin")!;
        Assert.Equal(3, join["inputs"]![0]!["uiSpecifications"]!["dropdown"]!["selectList"]!["items"]!.AsArray().Count);
        Assert.True((bool)json.Single(d => (string?)d!["typeName"] == "Elsa.Start")!["isStart"]!);
        Assert.True((bool)json.Single(d => (string?)d!["typeName"] == "Elsa.End")!["isTerminal"]!);
        Assert.Contains(json, d => (string?)d!["typeName"] == "TicketGate.Log");
    }
}
