using System.Text.Json.Nodes;
using Hangfire;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using TicketGate.Tests.Fixtures;
using TicketGate.Tests.Workflows;
using TicketGate.Workflows.Activities;
using TicketGate.Workflows.Definitions;
using TicketGate.Workflows.Expressions;
using TicketGate.Workflows.Model;
using TicketGate.Workflows.Runtime;
using TicketGate.Workflows.Scheduling;
using TicketGate.Workflows.Storage;
using static TicketGate.Tests.Workflows.Studio;

namespace TicketGate.Tests.Scheduling;

/// <summary>Workflow timers on a real Hangfire server with its storage in a real PostgreSQL database.</summary>
public sealed class HangfireSchedulingTests(PostgresClusterFixture postgres) : IAsyncLifetime
{
    private IHost _host = null!;
    private NpgsqlDataSource _dataSource = null!;
    private string _connectionString = "";

    public async ValueTask InitializeAsync()
    {
        var (_, connectionString) = await postgres.CreateUniqueDatabaseAsync("hangfire");
        connectionString = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = true }.ConnectionString;
        _dataSource = NpgsqlDataSource.Create(connectionString);
        await new StateDatabase(_dataSource, [new WorkflowMigrations(), new SchedulingMigrations()]).MigrateAsync(CancellationToken.None);

        _connectionString = connectionString;
        _host = await StartHostAsync();
    }

    /// <summary>A host like the gateway's for workflows: runner, stores and a Hangfire server, on the test's database.</summary>
    private async Task<IHost> StartHostAsync()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        var registry = new ActivityRegistry().AddGenericActivities();
        var compiler = new WorkflowCompiler(registry, new ExpressionCompiler());
        builder.Services.AddSingleton(_dataSource);
        builder.Services.AddSingleton(new WorkflowCatalog(new PostgresWorkflowDefinitionStore(_dataSource), compiler));
        builder.Services.AddSingleton(compiler);
        builder.Services.AddSingleton(sp => new WorkflowRunner(
            sp.GetRequiredService<WorkflowCatalog>(), new PostgresWorkflowInstanceStore(_dataSource), sp.GetRequiredService<IWorkflowScheduler>()));
        builder.Services.AddWorkflowScheduling(_connectionString, new SchedulingOptions { PollInterval = TimeSpan.FromMilliseconds(500), WorkerCount = 2 });
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
        await _dataSource.DisposeAsync();
    }

    private async Task<WorkflowRunResult> StartAsync(string id, string delay)
    {
        var definition = Definition(id,
            Array(Activity("wait", "Elsa.Delay", ("timeSpan", Literal("TimeSpan", delay))),
                  Activity("say", "Elsa.WriteLine", ("text", Literal("String", "done waiting")))),
            Array(Connect("wait", "Done", "say")));
        var compiler = _host.Services.GetRequiredService<WorkflowCompiler>();
        var catalog = _host.Services.GetRequiredService<WorkflowCatalog>();
        var workflow = compiler.Compile(definition.ToJsonString());
        await catalog.Store.ImportPublishedAsync([(workflow.Definition, WorkflowJson.ContentHash(workflow.Definition), "test")], CancellationToken.None);
        return await _host.Services.GetRequiredService<WorkflowRunner>().StartAsync(id, new WorkflowStartRequest(), CancellationToken.None);
    }

    private async Task<WorkflowInstance> WaitForAsync(string instanceId, Func<WorkflowInstance, bool> condition, TimeSpan timeout)
    {
        var store = new PostgresWorkflowInstanceStore(_dataSource);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var instance = await store.FindAsync(instanceId, CancellationToken.None);
            if (instance is not null && condition(instance)) return instance;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"instance {instanceId} did not get there in {timeout}");
            await Task.Delay(100);
        }
    }

    private async Task<string?> JobOfAsync(string bookmarkId)
    {
        await using var command = _dataSource.CreateCommand("SELECT job_id FROM ticketgate.workflow_timer_jobs WHERE bookmark_id = @id");
        command.Parameters.AddWithValue("id", bookmarkId);
        return await command.ExecuteScalarAsync() as string;
    }

    [Fact]
    public async Task Delay_is_fired_by_a_hangfire_job_when_due()
    {
        var started = await StartAsync("hangfire-delay", "00:00:01");
        var bookmark = Assert.Single(started.Instance.Bookmarks);
        Assert.NotNull(await JobOfAsync(bookmark.Id));

        var finished = await WaitForAsync(started.Instance.Id, i => i.SubStatus == WorkflowSubStatus.Finished, TimeSpan.FromSeconds(20));

        Assert.Contains(finished.ActivityExecutions, e => e.ActivityId == "say" && e.Status == ActivityStatus.Completed);
        Assert.Null(await JobOfAsync(bookmark.Id));
    }

    [Fact]
    public async Task Cancelling_a_waiting_instance_deletes_its_timer_job()
    {
        var started = await StartAsync("hangfire-cancel", "01:00:00");
        var bookmark = Assert.Single(started.Instance.Bookmarks);
        var jobId = await JobOfAsync(bookmark.Id);
        Assert.NotNull(jobId);

        Assert.True(await _host.Services.GetRequiredService<WorkflowRunner>().CancelAsync(started.Instance.Id, CancellationToken.None));

        Assert.Null(await JobOfAsync(bookmark.Id));
        using var hangfire = _host.Services.GetRequiredService<JobStorage>().GetConnection();
        string? state = null;
        for (var i = 0; i < 100 && state != "Deleted"; i++)
        {
            // The job is deleted off the cancelling call's path.
            await Task.Delay(50);
            state = hangfire.GetStateData(jobId)?.Name;
        }
        Assert.Equal("Deleted", state);
    }

    [Fact]
    public async Task Delay_that_fell_due_while_no_host_ran_fires_after_the_restart()
    {
        var started = await StartAsync("hangfire-restart", "00:00:02");
        var bookmark = Assert.Single(started.Instance.Bookmarks);
        await _host.StopAsync();
        _host.Dispose();

        await Task.Delay(TimeSpan.FromSeconds(3));
        var whileDown = await new PostgresWorkflowInstanceStore(_dataSource).FindAsync(started.Instance.Id, CancellationToken.None);
        _host = await StartHostAsync();
        var finished = await WaitForAsync(started.Instance.Id, i => i.SubStatus == WorkflowSubStatus.Finished, TimeSpan.FromSeconds(20));

        Assert.Equal(WorkflowSubStatus.Suspended, whileDown!.SubStatus);
        Assert.Contains(finished.ActivityExecutions, e => e.ActivityId == "say" && e.Status == ActivityStatus.Completed);
        Assert.Empty(finished.Bookmarks);
        Assert.Null(await JobOfAsync(bookmark.Id));
    }
}
