using Npgsql;
using TicketGate.Tests.Fixtures;
using TicketGate.Workflows.Runtime;
using TicketGate.Workflows.Storage;

namespace TicketGate.Tests.Workflows;

/// <summary>A fresh database of the shared cluster with the workflow tables; one per test class.</summary>
public sealed class WorkflowDatabase(PostgresClusterFixture postgres) : IAsyncLifetime
{
    private NpgsqlDataSource? dataSource;

    public NpgsqlDataSource DataSource => dataSource ?? throw new InvalidOperationException("Not initialized.");

    public async ValueTask InitializeAsync()
    {
        var (_, connectionString) = await postgres.CreateUniqueDatabaseAsync("workflows");
        dataSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = true }.ConnectionString);
        await new StateDatabase(dataSource, [new WorkflowMigrations()]).MigrateAsync(TestContext.Current.CancellationToken);
    }

    public async Task<long> ScalarAsync(string sql)
    {
        await using var command = DataSource.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken));
    }

    public ValueTask DisposeAsync() => dataSource?.DisposeAsync() ?? ValueTask.CompletedTask;
}
