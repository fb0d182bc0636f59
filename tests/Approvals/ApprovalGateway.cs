using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using TicketGate.Proxy.Configuration;
using TicketGate.Tests.Fixtures;
using TicketGate.Workflows.Approvals;
using TicketGate.Workflows.Runtime;
using TicketGate.Workflows.Ticketing;

namespace TicketGate.Tests.Approvals;

/// <summary>Starts gateways whose held commands are decided by workflows/approval.json, with variables and a ticket system chosen by the test.</summary>
internal static class ApprovalGateway
{
    public static Task<GatewayFixture> StartAsync(PostgresClusterFixture postgres, TicketDeskDouble? tickets = null,
        ApprovalWorkflowBindings? bindings = null, params (string Name, string Value)[] variables) =>
        StartAsync(postgres, tickets, bindings, [], variables);

    /// <param name="definitions">More Studio-format definitions to import beside approval.json.</param>
    public static async Task<GatewayFixture> StartAsync(PostgresClusterFixture postgres, TicketDeskDouble? tickets,
        ApprovalWorkflowBindings? bindings, IReadOnlyList<JsonObject> definitions, params (string Name, string Value)[] variables)
    {
        var folder = Directory.CreateTempSubdirectory("ticketgate-approval-").FullName;
        var directory = ApprovalWorkflowFile.WriteWithVariables(folder, variables);
        foreach (var definition in definitions)
        {
            await File.WriteAllTextAsync(Path.Combine(directory, (string)definition["definitionId"]! + ".json"), definition.ToJsonString());
        }
        return await GatewayFixture.StartAsync(postgres,
            options => GatewayFixture.WithWorkflows(options, new WorkflowOptions { Directory = directory, Approvals = bindings ?? new() }),
            services: services =>
            {
                if (tickets is not null) services.AddSingleton<ITicketDesk>(tickets);
            });
    }

    public static async Task<long> CountAsync(GatewayFixture gateway, string sql)
    {
        await using var connection = new NpgsqlConnection(gateway.TargetConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    public static async Task<WorkflowInstance> FinishedWorkflowAsync(GatewayFixture gateway, Guid requestId)
    {
        for (var i = 0; i < 200; i++)
        {
            if (await gateway.WorkflowOfAsync(requestId) is { IsFinished: true } instance) return instance;
            await Task.Delay(50);
        }
        throw new TimeoutException($"the workflow of request {requestId} did not finish");
    }

    /// <summary>The one request the test's command made, as it stands now.</summary>
    public static async Task<StoredApprovalRequest> OnlyRequestAsync(GatewayFixture gateway) =>
        Assert.Single(await gateway.Services.GetRequiredService<ApprovalRequestStore>().ListAsync(null, 10));

    public static List<string> Executed(WorkflowInstance instance) =>
        [.. instance.ActivityExecutions.Where(r => r.Status == ActivityStatus.Completed).Select(r => r.ActivityId)];

    public static ApprovalRequest Request(RiskTier tier, string command = "DELETE FROM items WHERE id = 9") => new()
    {
        Id = Guid.CreateVersion7(), Protocol = "postgres", Connection = GatewayFixture.Connection, Requester = "agent-7",
        RequesterGroups = ["agents"], Command = command, CommandClass = "write", Tier = tier, Rule = "test-rule",
        PayloadSha256 = new string('a', 64), ApproverGroups = ["dba"],
    };
}
