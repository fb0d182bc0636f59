using System.Net;
using System.Net.Sockets;
using Npgsql;
using TicketGate.Proxy.Audit;
using TicketGate.Tests.Fixtures;
using TicketGate.Workflows.Approvals;
using TicketGate.Workflows.Storage;

namespace TicketGate.Tests.Storage;

/// <summary>A fresh database of the shared cluster with every state migration applied; one per test class.</summary>
public sealed class MigratedStateDatabase : IAsyncDisposable
{
    /// <summary>The class fixture: one migrated database shared by the tests of a class.</summary>
    public sealed class PerClass(PostgresClusterFixture postgres) : IAsyncLifetime
    {
        private MigratedStateDatabase? database;

        public MigratedStateDatabase Database => database ?? throw new InvalidOperationException("Not initialized.");

        public async ValueTask InitializeAsync() => database = await CreateAsync(postgres, "state");

        public ValueTask DisposeAsync() => database?.DisposeAsync() ?? ValueTask.CompletedTask;
    }

    private MigratedStateDatabase(string name, string connectionString, NpgsqlDataSource dataSource)
    {
        Name = name;
        ConnectionString = connectionString;
        DataSource = dataSource;
    }

    public string Name { get; }
    public string ConnectionString { get; }
    public NpgsqlDataSource DataSource { get; }

    public static IStateMigrations[] AllMigrations => [new ApprovalMigrations(), new AuditMigrations()];

    public static async Task<MigratedStateDatabase> CreateAsync(PostgresClusterFixture postgres, string prefix)
    {
        var (name, connectionString) = await postgres.CreateUniqueDatabaseAsync(prefix);
        var pooled = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = true }.ConnectionString;
        var dataSource = NpgsqlDataSource.Create(pooled);
        await new StateDatabase(dataSource, AllMigrations).MigrateAsync(TestContext.Current.CancellationToken);
        return new MigratedStateDatabase(name, pooled, dataSource);
    }

    /// <summary>A data source at a loopback port nobody listens on, so every connection is refused at once.</summary>
    public static NpgsqlDataSource Unreachable()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return NpgsqlDataSource.Create($"Host=127.0.0.1;Port={port};Username=nobody;Password=x;Database=nothing;Timeout=2");
    }

    public async Task<long> ScalarAsync(string sql)
    {
        await using var command = DataSource.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken));
    }

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();
}
