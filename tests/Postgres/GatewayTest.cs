using TicketGate.Tests.Fixtures;

namespace TicketGate.Tests.Postgres;

/// <summary>A test class with its own gateway in front of a fresh database (items 1..10), started per test.</summary>
public abstract class GatewayTest(PostgresClusterFixture postgres) : IAsyncLifetime
{
    protected PostgresClusterFixture Postgres { get; } = postgres;
    protected GatewayFixture Gateway { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Gateway = await GatewayFixture.StartAsync(Postgres);

    public async ValueTask DisposeAsync()
    {
        await Gateway.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    protected Task<PsqlResult> PsqlAsync(string sql, string? standardInput = null, params string[] options) =>
        Gateway.PsqlAsync(Postgres, Gateway.Token(), [.. options, "-c", sql], standardInput);
}
