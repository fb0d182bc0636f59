using System.Text.Json.Nodes;
using Npgsql;
using TicketGate.Workflows.Activities;
using TicketGate.Workflows.Definitions;
using TicketGate.Workflows.Expressions;
using TicketGate.Workflows.Model;
using TicketGate.Workflows.Runtime;

namespace TicketGate.Tests.Workflows;

/// <summary>The runtime wired the way a gateway process wires it: real stores on PostgreSQL, an in-memory scheduler.</summary>
internal sealed class WorkflowHarness
{
    public WorkflowHarness(NpgsqlDataSource dataSource, ManualClock? clock = null)
    {
        DataSource = dataSource;
        Clock = clock ?? new ManualClock(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));
        Registry = new ActivityRegistry().AddGenericActivities().Add(new WaitForSignal()).Add(new Explode());
        Compiler = new WorkflowCompiler(Registry, new ExpressionCompiler());
        Catalog = new WorkflowCatalog(new PostgresWorkflowDefinitionStore(dataSource, Clock), Compiler);
        Instances = new PostgresWorkflowInstanceStore(dataSource);
        Scheduler = new InMemoryWorkflowScheduler();
        Runner = new WorkflowRunner(Catalog, Instances, Scheduler, time: Clock);
        Scheduler.Runner = Runner;
    }

    public NpgsqlDataSource DataSource { get; }
    public ManualClock Clock { get; }
    public ActivityRegistry Registry { get; }
    public WorkflowCompiler Compiler { get; }
    public WorkflowCatalog Catalog { get; }
    public PostgresWorkflowInstanceStore Instances { get; }
    public InMemoryWorkflowScheduler Scheduler { get; }
    public WorkflowRunner Runner { get; }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A new process on the same database and clock: nothing in memory survives.</summary>
    public WorkflowHarness Restart() => new(DataSource, Clock);

    /// <summary>Publishes a Studio-format definition (as the start-up import does) and returns its definition id.</summary>
    public async Task<string> PublishAsync(JsonObject definition)
    {
        var workflow = Compiler.Compile(definition.ToJsonString());
        await Catalog.Store.ImportPublishedAsync([(workflow.Definition, WorkflowJson.ContentHash(workflow.Definition), "test")], Ct);
        return workflow.DefinitionId;
    }

    public async Task<WorkflowRunResult> RunAsync(JsonObject definition, IReadOnlyDictionary<string, object?>? input = null) =>
        await Runner.StartAsync(await PublishAsync(definition), new WorkflowStartRequest { Input = input }, Ct);

    public static List<string> Executed(WorkflowInstance instance) =>
        [.. instance.ActivityExecutions.Where(r => r.Status == ActivityStatus.Completed).Select(r => r.ActivityId)];

    public static string? Logged(WorkflowInstance instance, string activityId) =>
        instance.Journal.LastOrDefault(e => e.ActivityId == activityId && e.EventName == "Log")?.Message;
}
