using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using TicketGate.Workflows.Approvals;
using TicketGate.Workflows.Definitions;
using TicketGate.Workflows.Expressions;
using TicketGate.Workflows.Runtime;

namespace TicketGate.Workflows.Studio;

/// <summary>
/// The subset of Elsa's REST API that Elsa Studio 3.8.2 calls (../shared/contracts/elsa), served from TicketGate's own
/// workflow runtime. The host puts authorization in front of the group it returns.
/// </summary>
public static class ElsaStudioApi
{
    public const string DefaultPath = "/elsa/api";

    /// <summary>Registers the API's services over the workflow runtime the host already registered.</summary>
    public static IServiceCollection AddElsaStudioApi(this IServiceCollection services)
    {
        services.AddSingleton(sp => new DefinitionIntake(sp.GetRequiredService<WorkflowCompiler>(), sp.GetRequiredService<ExpressionCompiler>()));
        services.AddSingleton(sp => new StudioDescriptors(sp.GetRequiredService<ActivityRegistry>()));
        services.AddSingleton(sp => new StudioInstanceQueries(sp.GetRequiredService<NpgsqlDataSource>()));
        services.AddSingleton(sp => new StudioBackend(
            sp.GetRequiredService<WorkflowCatalog>(), sp.GetRequiredService<DefinitionIntake>(), sp.GetRequiredService<WorkflowRunner>(),
            sp.GetRequiredService<IWorkflowInstanceStore>(), sp.GetRequiredService<StudioInstanceQueries>(), sp.GetRequiredService<StudioDescriptors>(),
            sp.GetRequiredService<ApprovalWorkflowBindings>(), sp.GetRequiredService<ApprovalRequestStore>(), sp.GetRequiredService<IDecisionPublisher>(),
            sp.GetRequiredService<ILogger<StudioBackend>>()));
        return services;
    }

    public static RouteGroupBuilder MapElsaStudioApi(this IEndpointRouteBuilder app, string path = DefaultPath)
    {
        var api = app.MapGroup(path);
        DefinitionEndpoints.Map(api);
        InstanceEndpoints.Map(api);

        api.MapGet("/descriptors/activities", (StudioBackend b) => Json(b.Descriptors.Activities));
        api.MapGet("/descriptors/expression-descriptors", (StudioBackend b) => Json(b.Descriptors.Expressions));
        api.MapGet("/descriptors/workflow-activation-strategies", (StudioBackend b) => Json(b.Descriptors.ActivationStrategies));
        api.MapGet("/descriptors/incident-strategies", (StudioBackend b) => Json(b.Descriptors.IncidentStrategies));
        api.MapGet("/descriptors/log-persistence-strategies", (StudioBackend b) => Json(b.Descriptors.LogPersistenceStrategies));
        api.MapGet("/descriptors/commit-strategies/workflows", (StudioBackend b) => Json(b.Descriptors.CommitStrategies));
        api.MapGet("/descriptors/commit-strategies/activities", (StudioBackend b) => Json(b.Descriptors.CommitStrategies));
        api.MapGet("/descriptors/variables", (StudioBackend b) => Json(b.Descriptors.Variables));
        api.MapGet("/descriptors/storage-drivers", (StudioBackend b) => Json(b.Descriptors.StorageDrivers));
        // Nothing optional is installed: no SignalR (the Studio polls), no resilience, no alterations, no output converters.
        api.MapGet("/features/installed", () => StudioJson.Ok(StudioJson.ListResponse([])));
        api.MapGet("/descriptors/output-converters", () => StudioJson.Ok(StudioJson.ListResponse([])));
        // TicketGate's JavaScript has getVariable/setVariable/getInput and the workflow input; no typed declarations are offered.
        api.MapPost("/scripting/javascript/type-definitions/{definitionId}", () => Results.Text(JavaScriptDeclarations, "text/plain; charset=utf-8"));
        // Anything else under the API is a 404 the Studio handles, never a 5xx it would retry.
        api.Map("/{**rest}", (string? rest) => StudioJson.NotFound($"TicketGate's Elsa API has no '{rest}'."));
        return api;
    }

    private const string JavaScriptDeclarations =
        """
        declare function getVariable(name: string): any;
        declare function setVariable(name: string, value: any): void;
        declare function getInput(name: string): any;
        declare function getWorkflowInstanceId(): string;
        declare function getCorrelationId(): string | null;
        """;

    private static IResult Json(string json) => Results.Text(json, "application/json; charset=utf-8");
}
