using System.Net;
using System.Text.Json.Nodes;
using TicketGate.Proxy.Configuration;
using TicketGate.Tests.Fixtures;
using TicketGate.Workflows.Approvals;

namespace TicketGate.Tests.Studio;

/// <summary>Publishing in the Studio decides which workflow version the next held command of a connection starts.</summary>
public sealed class StudioPublishingTests(PostgresClusterFixture postgres)
{
    [Fact]
    public async Task Each_publish_of_the_connections_bound_definition_decides_the_next_held_command_while_others_keep_the_default()
    {
        const string bound = "app-approval";
        await using var gateway = await GatewayFixture.StartAsync(postgres, options => GatewayFixture.WithWorkflows(options, new WorkflowOptions
        {
            Approvals = new ApprovalWorkflowBindings
            {
                Connections = new Dictionary<string, ApprovalWorkflowBinding> { [GatewayFixture.Connection] = new() { DefinitionId = bound } },
            },
        }));
        using var studio = StudioClient.ForAdmin(gateway);
        var model = StudioFlows.RiskTierApproval(bound, "App approval");
        await studio.SaveAsync(model, publish: true);

        var first = await HeldAndApprovedAsync(gateway, "DELETE FROM items WHERE id = 1");
        Assert.Equal((bound, 1), (first.DefinitionId, first.DefinitionVersion));
        Assert.Equal("approved in the app-approval flow", first.Reason);

        // A new version, published from the editor: the next command runs it; the first instance still shows version 1.
        model["root"]!["activities"]!.AsArray().First(a => (string)a!["id"]! == "allow")!["reason"] = Workflows.Studio.Literal("String", "approved by version 2");
        var second = (await studio.SaveAsync(model, publish: true))["workflowDefinition"]!;
        Assert.Equal(2, (int)second["version"]!);
        var next = await HeldAndApprovedAsync(gateway, "DELETE FROM items WHERE id = 2");
        Assert.Equal((bound, 2), (next.DefinitionId, next.DefinitionVersion));
        Assert.Equal("approved by version 2", next.Reason);
        var firstInstance = await studio.GetJsonAsync($"workflow-instances/{first.InstanceId}");
        Assert.Equal(1, (int)firstInstance["version"]!);

        // The editor's Run starts the latest version by hand; without a held command the TicketGate steps fault, visibly.
        using var run = await studio.PostAsync($"workflow-definitions/{bound}/execute",
            new JsonObject { ["correlationId"] = null, ["triggerActivityId"] = null, ["versionOptions"] = "Latest", ["input"] = null });
        Assert.Equal(HttpStatusCode.OK, run.StatusCode);
        Assert.Equal("False", run.Headers.GetValues("x-elsa-workflow-cannot-start").Single());
        var manual = await studio.GetJsonAsync($"workflow-instances/{run.Headers.GetValues("x-elsa-workflow-instance-id").Single()}");
        Assert.Equal("Faulted", (string)manual["subStatus"]!);
        Assert.Equal(1, (int)manual["incidentCount"]!);

        // A definition whose instances are kept can't be deleted until they are.
        await studio.SaveAsync(StudioFlows.RiskTierApproval("scratch", "Scratch"), publish: true);
        using var scratchRun = await studio.PostAsync("workflow-definitions/scratch/execute", new JsonObject { ["versionOptions"] = "Published" });
        var scratchInstance = scratchRun.Headers.GetValues("x-elsa-workflow-instance-id").Single();
        var kept = await StudioClient.ReadAsync(await studio.DeleteAsync("workflow-definitions/scratch"), HttpStatusCode.BadRequest);
        Assert.Contains("1 instance(s)", StudioClient.Errors(kept), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NoContent, (await studio.DeleteAsync($"workflow-instances/{scratchInstance}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await studio.DeleteAsync("workflow-definitions/scratch")).StatusCode);
    }

    private async Task<(string InstanceId, string DefinitionId, int DefinitionVersion, string? Reason)> HeldAndApprovedAsync(GatewayFixture gateway, string sql)
    {
        var psql = gateway.PsqlAsync(postgres, gateway.Token(), ["-c", sql]);
        var request = await gateway.WaitForPendingAsync();
        Assert.Equal(HttpStatusCode.OK, (await gateway.ApproveAsync(request.Request.Id, "alice")).StatusCode);
        var result = await psql;
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("DELETE 1", result.StandardOutput, StringComparison.Ordinal);
        var instance = (await gateway.WorkflowOfAsync(request.Request.Id))!;
        return (instance.Id, instance.DefinitionId, instance.DefinitionVersion, (await gateway.RequestAsync(request.Request.Id))!.Decision!.Reason);
    }
}
