using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using TicketGate.Proxy.Configuration;
using TicketGate.Tests.Fixtures;
using TicketGate.Workflows.Approvals;
using TicketGate.Workflows.Runtime;
using static TicketGate.Tests.Workflows.Studio;

namespace TicketGate.Tests.Studio;

/// <summary>/elsa/api as Elsa Studio 3.8.2 calls it (../shared/contracts/elsa), against a real gateway and state database.</summary>
public sealed class StudioApiTests(PostgresClusterFixture postgres)
{
    private const string DefinitionId = "studio-approval";

    /// <summary>A gateway whose held commands start <see cref="DefinitionId"/>, which only exists once the Studio publishes it.</summary>
    private Task<GatewayFixture> StartAsync() => GatewayFixture.StartAsync(postgres, options => GatewayFixture.WithWorkflows(options,
        new WorkflowOptions { Approvals = new ApprovalWorkflowBindings { DefaultDefinitionId = DefinitionId } }));

    [Fact]
    public async Task Definition_saved_and_published_in_the_api_decides_the_next_held_command_and_its_instance_shows_in_the_viewer()
    {
        await using var gateway = await StartAsync();
        using var studio = StudioClient.ForAdmin(gateway);

        var saved = await studio.SaveAsync(StudioFlows.RiskTierApproval(DefinitionId, "Studio approval"));
        var draft = saved["workflowDefinition"]!.AsObject();
        Assert.Equal(1, (int)draft["version"]!);
        Assert.False((bool)draft["isPublished"]!);
        Assert.Contains(draft["links"]!.AsArray(), link => (string)link!["rel"]! == "publish");
        Assert.Empty(saved["validationErrors"]!.AsArray());
        var nodes = draft["root"]!["activities"]!.AsArray();
        Assert.All(nodes, node => Assert.Equal("Workflow1:fc1:" + (string)node!["id"]!, (string)node["nodeId"]!));
        Assert.Equal("Int32", (string)nodes.First(n => (string)n!["id"]! == "ask")!["requiredApprovals"]!["typeName"]!);

        var published = await studio.PostJsonAsync($"workflow-definitions/{DefinitionId}/publish", new JsonObject());
        Assert.True((bool)published["workflowDefinition"]!["isPublished"]!);
        Assert.False((bool)published["alreadyPublished"]!);

        // A medium-tier statement through the gateway with the real psql: held, decided by the published Studio flowchart.
        var psql = gateway.PsqlAsync(postgres, gateway.Token(), ["-c", "DELETE FROM items WHERE id = 5"]);
        var request = await gateway.WaitForPendingAsync();
        var instanceId = ApprovalWorkflowInput.InstanceIdOf(request.Request.Id);
        Assert.Equal(HttpStatusCode.OK, (await gateway.ApproveAsync(request.Request.Id, "alice")).StatusCode);
        var result = await psql;
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("DELETE 1", result.StandardOutput, StringComparison.Ordinal);
        Assert.Equal("approved in the studio-approval flow", (await gateway.RequestAsync(request.Request.Id))!.Decision!.Reason);

        var list = await studio.PostJsonAsync("workflow-instances", new JsonObject
        {
            ["page"] = 0,
            ["pageSize"] = 10,
            ["searchTerm"] = "",
            ["definitionIds"] = new JsonArray(),
            ["statuses"] = new JsonArray("finished"),
            ["subStatuses"] = new JsonArray(),
            ["isSystem"] = false,
            ["orderBy"] = null,
            ["orderDirection"] = "Descending",
            ["timestampFilters"] = new JsonArray(),
        });
        var summary = Assert.Single(list["items"]!.AsArray())!;
        Assert.Equal(instanceId, (string)summary["id"]!);
        Assert.Equal(DefinitionId, (string)summary["definitionId"]!);
        Assert.Equal("Finished", (string)summary["subStatus"]!);
        // The list hides instances whose version it can't list with an empty versionOptions.
        var versions = await studio.GetJsonAsync($"workflow-definitions?versionOptions=&Ids={(string)summary["definitionVersionId"]!}");
        Assert.Single(versions["items"]!.AsArray());

        var instance = await studio.GetJsonAsync($"workflow-instances/{instanceId}");
        Assert.Equal("Finished", (string)instance["workflowState"]!["subStatus"]!);
        Assert.Equal("Workflow1:fc1", (string)instance["workflowState"]!["activityExecutionContexts"]![0]!["scheduledActivityNodeId"]!);
        var journal = await studio.PostJsonAsync($"workflow-instances/{instanceId}/journal?skip=0&take=110", new JsonObject
        {
            ["filter"] = new JsonObject
            {
                ["activityIds"] = null,
                ["activityNodeIds"] = new JsonArray("Workflow1:fc1:tier", "Workflow1:fc1:ask", "Workflow1:fc1:allow"),
                ["excludedActivityTypes"] = new JsonArray("Elsa.Workflow", "Elsa.Flowchart"),
                ["eventNames"] = null,
            },
        });
        var events = journal["items"]!.AsArray().Select(e => $"{(string)e!["activityId"]!}:{(string)e["eventName"]!}").ToList();
        Assert.Contains("tier:Completed", events);
        Assert.Contains("ask:Suspended", events);
        Assert.Contains("ask:Completed", events);
        Assert.Contains("allow:Completed", events);
        var sequences = journal["items"]!.AsArray().Select(e => (long)e!["sequence"]!).ToList();
        Assert.Equal(sequences.Order(), sequences);

        var report = await studio.PostJsonAsync("activity-executions/report", new JsonObject
        {
            ["workflowInstanceId"] = instanceId,
            ["activityNodeIds"] = new JsonArray("Workflow1:fc1:ask", "Workflow1:fc1:deny"),
        });
        var ask = Assert.Single(report["stats"]!.AsArray())!;
        Assert.Equal("Workflow1:fc1:ask", (string)ask["activityNodeId"]!);
        Assert.Equal(1, (int)ask["completedCount"]!);
        var root = await studio.GetJsonAsync($"activity-executions/list?WorkflowInstanceId={instanceId}&ActivityNodeId=Workflow1%3Afc1");
        Assert.Equal("Completed", (string)Assert.Single(root["items"]!.AsArray())!["status"]!);
        var askExecution = Assert.Single((await studio.GetJsonAsync(
            $"activity-execution-summaries/list?WorkflowInstanceId={instanceId}&ActivityNodeId=Workflow1%3Afc1%3Aask"))["items"]!.AsArray())!;
        var detail = await studio.GetJsonAsync($"activity-executions/by-id?id={(string)askExecution["id"]!}");
        Assert.Equal("TicketGate.RequestApproval", (string)detail["activityType"]!);
        Assert.Equal(new JsonArray("alice").ToJsonString(), detail["outputs"]!["Approvers"]!.ToJsonString());
    }

    [Fact]
    public async Task Versioning_keeps_one_draft_on_top_of_one_published_version()
    {
        await using var gateway = await StartAsync();
        using var studio = StudioClient.ForAdmin(gateway);
        var model = StudioFlows.RiskTierApproval(DefinitionId, "Versioned");

        var first = (await studio.SaveAsync(model))["workflowDefinition"]!;
        var again = (await studio.SaveAsync(model))["workflowDefinition"]!;
        Assert.Equal((string)first["id"]!, (string)again["id"]!);
        Assert.Equal(1, (int)again["version"]!);

        var published = (await studio.SaveAsync(model, publish: true))["workflowDefinition"]!;
        Assert.True((bool)published["isPublished"]!);
        Assert.Equal(1, (int)published["version"]!);
        var unchanged = await studio.SaveAsync(published.AsObject());
        Assert.Equal(1, (int)unchanged["workflowDefinition"]!["version"]!);

        model["description"] = "edited after publishing";
        var draft = (await studio.SaveAsync(model))["workflowDefinition"]!;
        Assert.Equal(2, (int)draft["version"]!);
        Assert.False((bool)draft["isPublished"]!);

        // Refit writes PascalCase keys for request objects, the Studio's own lists lower-case: both bind.
        var latest = await studio.GetJsonAsync($"workflow-definitions?versionoptions=latest&page=0&pagesize=10&searchterm=&issystem=false&orderdirection=Ascending&definitionids={DefinitionId}");
        Assert.Equal(2, (int)Assert.Single(latest["items"]!.AsArray())!["version"]!);
        Assert.Contains(latest["links"]!.AsArray(), link => (string)link!["rel"]! == "bulk-publish");
        var publishedRows = await studio.GetJsonAsync($"workflow-definitions?versionOptions=Published&DefinitionIds={DefinitionId}");
        Assert.Equal(1, (int)Assert.Single(publishedRows["items"]!.AsArray())!["version"]!);
        var history = await studio.GetJsonAsync($"workflow-definitions?versionOptions=AllVersions&Page=0&PageSize=10&DefinitionIds={DefinitionId}&OrderBy=Version&OrderDirection=Descending");
        Assert.Equal([2, 1], history["items"]!.AsArray().Select(i => (int)i!["version"]!));

        // Unpublish takes the published row, not the draft on top of it; a second time there is nothing to unpublish.
        var retracted = await studio.PostJsonAsync($"workflow-definitions/{DefinitionId}/retract", new JsonObject());
        Assert.Equal(1, (int)retracted["version"]!);
        Assert.False((bool)retracted["isPublished"]!);
        var twice = await studio.PostJsonAsync($"workflow-definitions/{DefinitionId}/retract", new JsonObject(), HttpStatusCode.BadRequest);
        Assert.Contains("no published version", StudioClient.Errors(twice), StringComparison.Ordinal);

        var bulk = await studio.PostJsonAsync("bulk-actions/publish/workflow-definitions/by-definition-ids", new JsonObject
        {
            ["definitionIds"] = new JsonArray(DefinitionId, "no-such-definition"),
        });
        Assert.Equal(new JsonArray(DefinitionId).ToJsonString(), bulk["published"]!.ToJsonString());
        Assert.Equal(new JsonArray("no-such-definition").ToJsonString(), bulk["notFound"]!.ToJsonString());
        Assert.NotNull(bulk["alreadyPublished"]);
        Assert.NotNull(bulk["updatedConsumers"]);
        var byId = await studio.GetJsonAsync($"workflow-definitions/by-definition-id/{DefinitionId}");
        Assert.True((bool)byId["isPublished"]! && (bool)byId["isLatest"]!);
        Assert.Equal(2, (int)byId["version"]!);

        var unique = await studio.GetJsonAsync("workflow-definitions/validation/is-name-unique?name=Versioned");
        Assert.False((bool)unique["isUnique"]!);
        Assert.True((bool)(await studio.GetJsonAsync($"workflow-definitions/validation/is-name-unique?name=Versioned&definitionId={DefinitionId}"))["isUnique"]!);

        // The bound definition decides held commands, so it can't be deleted; another one can.
        var refused = await studio.DeleteAsync($"workflow-definitions/{DefinitionId}");
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var other = StudioFlows.RiskTierApproval("other-flow", "Other");
        await studio.SaveAsync(other);
        Assert.Equal(HttpStatusCode.NoContent, (await studio.DeleteAsync("workflow-definitions/other-flow")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await studio.GetAsync("workflow-definitions/by-definition-id/other-flow")).StatusCode);
    }

    [Fact]
    public async Task Bad_designs_are_refused_with_messages_naming_the_activity_and_input()
    {
        await using var gateway = await StartAsync();
        using var studio = StudioClient.ForAdmin(gateway);

        var sequence = StudioFlows.RiskTierApproval("seq", "Sequence flow");
        sequence["root"] = new JsonObject { ["id"] = "seq1", ["type"] = "Elsa.Sequence", ["version"] = 1, ["name"] = "Sequence1" };
        var notFlowchart = await studio.SaveAsync(sequence, expected: HttpStatusCode.BadRequest);
        Assert.Contains("runs flowcharts only", StudioClient.Errors(notFlowchart), StringComparison.Ordinal);

        var unknown = StudioFlows.RiskTierApproval("unknown", "Unknown type");
        unknown["root"]!["activities"]!.AsArray().Add(Activity("mail", "Elsa.SendEmail"));
        var unknownType = await studio.SaveAsync(unknown, expected: HttpStatusCode.BadRequest);
        Assert.Contains("(mail)", StudioClient.Errors(unknownType), StringComparison.Ordinal);
        Assert.Contains("unknown activity type 'Elsa.SendEmail'", StudioClient.Errors(unknownType), StringComparison.Ordinal);

        var script = StudioFlows.RiskTierApproval("script", "Broken script");
        script["root"]!["activities"]!.AsArray().First(a => (string)a!["id"]! == "deny")!["reason"] = Js("String", "return 'no' +;");
        var unparsable = await studio.SaveAsync(script, expected: HttpStatusCode.BadRequest);
        Assert.Contains("(deny), input 'Reason' (JavaScript)", StudioClient.Errors(unparsable), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await studio.GetAsync("workflow-definitions/by-definition-id/script")).StatusCode);

        // An unfinished design is kept as a draft with validation errors, and can't be published.
        var unfinished = StudioFlows.RiskTierApproval("unfinished", "Unfinished");
        unfinished["root"]!["activities"]!.AsArray().Add(Activity("check", "Elsa.FlowDecision"));
        unfinished["root"]!["activities"]!.AsArray().First(a => (string)a!["id"]! == "deny")!["reason"] = Js("String", "return getVariable('Missing');");
        var draft = await studio.SaveAsync(unfinished);
        var errors = string.Join(" | ", draft["validationErrors"]!.AsArray().Select(e => (string)e!["message"]!));
        Assert.Contains("activity 'check', input 'Condition': is required", errors, StringComparison.Ordinal);
        Assert.Contains("variable 'Missing'", errors, StringComparison.Ordinal);
        var publish = await studio.SaveAsync(unfinished, publish: true, expected: HttpStatusCode.BadRequest);
        Assert.Contains("input 'Condition'", StudioClient.Errors(publish), StringComparison.Ordinal);
        var viaLink = await studio.PostJsonAsync("workflow-definitions/unfinished/publish", new JsonObject(), HttpStatusCode.BadRequest);
        Assert.Contains("variable 'Missing'", StudioClient.Errors(viaLink), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await studio.GetAsync("workflow-definitions/by-definition-id/unfinished?versionOptions=Published")).StatusCode);

        Assert.Equal(HttpStatusCode.BadRequest, (await studio.GetAsync("workflow-definitions?versionOptions=Sometimes")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await studio.PostAsync("workflow-instances", new JsonObject { ["statuses"] = new JsonArray("Sleeping") })).StatusCode);
        // Options TicketGate doesn't have are a 404 the Studio tolerates, never a 5xx it retries.
        Assert.Equal(HttpStatusCode.NotFound, (await studio.GetAsync("resilience/strategies?category=x")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await studio.PostAsync("alterations/run", new JsonObject())).StatusCode);
    }

    [Fact]
    public async Task Descriptors_cover_every_registered_activity_and_only_the_evaluated_expression_syntaxes()
    {
        await using var gateway = await StartAsync();
        using var studio = StudioClient.ForAdmin(gateway);

        var activities = (await studio.GetJsonAsync("descriptors/activities?Refresh=True"))["items"]!.AsArray();
        var registry = gateway.Services.GetRequiredService<ActivityRegistry>();
        Assert.Equal(registry.Descriptors.Select(d => d.TypeName).Order(), activities.Select(a => (string)a!["typeName"]!).Order());
        var approval = activities.Single(a => (string)a!["typeName"]! == "TicketGate.RequestApproval")!;
        Assert.Equal("TicketGate", (string)approval["category"]!);
        Assert.Equal(["Approved", "Rejected", "TimedOut"], approval["ports"]!.AsArray().Select(p => (string)p!["name"]!));
        var required = approval["inputs"]!.AsArray().Single(i => (string)i!["name"]! == "RequiredApprovals")!;
        Assert.Equal(1, (int)required["defaultValue"]!);
        Assert.Equal("Int32", (string)required["typeName"]!);
        var groups = approval["inputs"]!.AsArray().Single(i => (string)i!["name"]! == "ApproverGroups")!;
        Assert.Equal("multitext", (string)groups["uiHint"]!);
        Assert.All(activities.SelectMany(a => a!["inputs"]!.AsArray()), input => Assert.True((bool)input!["isBrowsable"]!));
        Assert.Contains(activities, a => (string)a!["category"]! == "Ticketing");
        Assert.Contains(activities, a => (string)a!["category"]! == "Flow");

        var expressions = (await studio.GetJsonAsync("descriptors/expression-descriptors"))["items"]!.AsArray().Select(e => (string)e!["type"]!);
        Assert.Equal(TicketGate.Workflows.Expressions.ExpressionCompiler.Syntaxes.Order(), expressions.Order());
        Assert.DoesNotContain("CSharp", expressions);
        Assert.NotEmpty((await studio.GetJsonAsync("descriptors/variables"))["items"]!.AsArray());
        Assert.NotEmpty((await studio.GetJsonAsync("descriptors/storage-drivers"))["items"]!.AsArray());
        foreach (var path in (string[])["features/installed", "descriptors/workflow-activation-strategies", "descriptors/incident-strategies",
                     "descriptors/log-persistence-strategies", "descriptors/commit-strategies/workflows", "descriptors/commit-strategies/activities",
                     "descriptors/output-converters?sourceType=String&destinationType=Object"])
        {
            Assert.NotNull((await studio.GetJsonAsync(path))["items"]);
        }
    }
}
