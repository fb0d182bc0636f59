using Npgsql;
using TicketGate.Tests.Fixtures;
using TicketGate.Workflows.Storage;

namespace TicketGate.Tests.Storage;

public sealed class StateDatabaseMigrationTests(PostgresClusterFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Migrations_apply_once_and_a_second_run_applies_nothing()
    {
        await using var dataSource = await FreshDatabaseAsync();
        var database = new StateDatabase(dataSource, MigratedStateDatabase.AllMigrations);

        var first = await database.MigrateAsync(Ct);
        var second = await database.MigrateAsync(Ct);

        Assert.Equal(["approvals/0001_approval_requests", "audit/0001_audit_log", "audit/0002_release_delay"], first);
        Assert.Empty(second);
        var applied = await database.ListAppliedAsync(Ct);
        Assert.Equal(first, applied.Select(a => a.Id));
    }

    [Fact]
    public async Task Two_processes_migrating_together_apply_each_migration_once()
    {
        var (_, connectionString) = await postgres.CreateUniqueDatabaseAsync("migrate_race");
        await using var one = NpgsqlDataSource.Create(connectionString);
        await using var two = NpgsqlDataSource.Create(connectionString);
        // The slow first migration keeps the lock held long enough for the second process to arrive while it runs.
        IStateMigrations[] Sources() =>
        [
            new FixedMigrations(new StateMigration("test/0001_slow", "SELECT pg_sleep(0.3); CREATE TABLE ticketgate.race (id int)")),
            .. MigratedStateDatabase.AllMigrations,
        ];

        var results = await Task.WhenAll(
            new StateDatabase(one, Sources()).MigrateAsync(Ct),
            new StateDatabase(two, Sources()).MigrateAsync(Ct));

        var all = results[0].Concat(results[1]).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["approvals/0001_approval_requests", "audit/0001_audit_log", "audit/0002_release_delay", "test/0001_slow"], all);
        Assert.True(results[0].Count == 0 || results[1].Count == 0, "one process found the schema already current");
    }

    [Fact]
    public async Task A_failing_migration_is_named_and_nothing_of_the_run_is_applied()
    {
        await using var dataSource = await FreshDatabaseAsync();
        var database = new StateDatabase(dataSource,
        [
            new FixedMigrations(
                new StateMigration("test/0001_table", "CREATE TABLE ticketgate.kept (id int)"),
                new StateMigration("test/0002_typo", "CREAT TABLE ticketgate.broken (id int)")),
        ]);

        var failure = await Assert.ThrowsAsync<StateMigrationFailedException>(() => database.MigrateAsync(Ct));

        Assert.Equal("test/0002_typo", failure.MigrationId);
        Assert.Contains("Migration 'test/0002_typo'", failure.Message, StringComparison.Ordinal);
        Assert.Contains("42601", failure.Message, StringComparison.Ordinal);
        Assert.Empty(await database.ListAppliedAsync(Ct));
        await using var check = dataSource.CreateCommand("SELECT to_regclass('ticketgate.kept') IS NULL");
        Assert.Equal(true, await check.ExecuteScalarAsync(Ct));
    }

    [Fact]
    public async Task Unreachable_database_is_reported_with_its_host_and_port()
    {
        await using var dataSource = MigratedStateDatabase.Unreachable();
        var database = new StateDatabase(dataSource, MigratedStateDatabase.AllMigrations);

        var failure = await Assert.ThrowsAsync<StateDatabaseUnreachableException>(() => database.MigrateAsync(Ct));

        Assert.StartsWith($"TicketGate's state database at {database.Endpoint} is unreachable: ", failure.Message, StringComparison.Ordinal);
        Assert.StartsWith("127.0.0.1:", database.Endpoint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_components_claiming_one_migration_id_are_refused_before_touching_the_database()
    {
        await using var dataSource = MigratedStateDatabase.Unreachable();
        var twice = new StateMigration("test/0001_same", "SELECT 1");
        var database = new StateDatabase(dataSource, [new FixedMigrations(twice), new FixedMigrations(twice)]);

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => database.MigrateAsync(Ct));

        Assert.Contains("test/0001_same", failure.Message, StringComparison.Ordinal);
    }

    private async Task<NpgsqlDataSource> FreshDatabaseAsync()
    {
        var (_, connectionString) = await postgres.CreateUniqueDatabaseAsync("migrate");
        return NpgsqlDataSource.Create(connectionString);
    }

    private sealed class FixedMigrations(params StateMigration[] migrations) : IStateMigrations
    {
        public IReadOnlyList<StateMigration> Migrations => migrations;
    }
}
